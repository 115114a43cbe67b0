package dev.ephyr.broker;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The package structure of docs/architecture.md, kept by the build: capability packages free of cycles, the
 * wiring above them, and the lower modules ({@code protocol}, {@code cluster}, {@code client}) blind to the broker.
 */
class ArchitectureTest {

  private static final JavaClasses MAIN = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.ephyr");

  @Test
  void brokerPackages_formNoCycles() {
    slices().matching("dev.ephyr.broker.(*)..").as("broker packages").should().beFreeOfCycles().check(MAIN);
  }

  @Test
  void theRootPackageHoldsNothing() {
    noClasses().should().resideInAPackage("dev.ephyr.broker")
        .because("every class belongs to a capability, to the wiring (boot) or to the CLI").check(MAIN);
  }

  @Test
  void capabilityPackages_doNotReachUpIntoTheWiring() {
    noClasses().that().resideInAPackage("dev.ephyr.broker.*..")
        .and().resideOutsideOfPackages("dev.ephyr.broker.boot..", "dev.ephyr.broker.cli..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.ephyr.broker", "dev.ephyr.broker.boot..",
            "dev.ephyr.broker.cli..")
        .because("capabilities receive what they need; only the wiring (boot) and the CLI know every capability")
        .check(MAIN);
  }

  @Test
  void protocol_dependsOnNoRuntimeAndNoHigherModule() {
    noClasses().that().resideInAPackage("dev.ephyr.protocol..")
        .should().dependOnClassesThat().resideInAnyPackage("io.vertx..", "com.hazelcast..", "dev.ephyr.cluster..",
            "dev.ephyr.broker..", "dev.ephyr.client..")
        .because("the token library must be usable alone, by any holder or verifier")
        .check(MAIN);
  }

  @Test
  void clusterAndClient_doNotReachIntoTheBroker() {
    noClasses().that().resideInAnyPackage("dev.ephyr.cluster..", "dev.ephyr.client..")
        .should().dependOnClassesThat().resideInAPackage("dev.ephyr.broker..")
        .check(MAIN);
  }
}
