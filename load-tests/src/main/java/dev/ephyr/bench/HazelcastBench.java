package dev.ephyr.bench;

import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * What the benchmarks that start Hazelcast members or broker nodes share (JMH reads these annotations from the
 * superclass): one fork with the JVM flags Hazelcast needs on Java 17+ (the parent pom's {@code ephyr.jvm.opens}),
 * and the audit trail's log at warn so it does not flood the output.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "java.se", "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens", "java.management/sun.management=ALL-UNNAMED",
    "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
    "-Dorg.slf4j.simpleLogger.log.ephyr.audit=warn"})
public abstract class HazelcastBench {}
