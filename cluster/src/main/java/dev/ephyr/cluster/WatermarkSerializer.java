package dev.ephyr.cluster;

import com.hazelcast.nio.serialization.compact.CompactReader;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import com.hazelcast.nio.serialization.compact.CompactWriter;

/** Compact wire form of {@link Watermark}. */
final class WatermarkSerializer implements CompactSerializer<Watermark> {

  @Override
  public Watermark read(CompactReader in) {
    return new Watermark(in.readInt64("floor"), in.readInt64("expiresAt"));
  }

  @Override
  public void write(CompactWriter out, Watermark w) {
    out.writeInt64("floor", w.floor());
    out.writeInt64("expiresAt", w.expiresAtMillis());
  }

  @Override
  public String getTypeName() {
    return SerializationIds.WATERMARK_TYPE;
  }

  @Override
  public Class<Watermark> getCompactClass() {
    return Watermark.class;
  }
}
