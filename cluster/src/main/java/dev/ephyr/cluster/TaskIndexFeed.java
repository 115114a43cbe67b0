package dev.ephyr.cluster;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;

/** Feeds this node's {@link TaskIndex} from the task map's entry events (every member's changes). */
final class TaskIndexFeed implements EntryAddedListener<String, TaskRecord>, EntryUpdatedListener<String, TaskRecord>,
    EntryMergedListener<String, TaskRecord>, EntryRemovedListener<String, TaskRecord>,
    EntryExpiredListener<String, TaskRecord> {

  private final TaskIndex index;

  TaskIndexFeed(TaskIndex index) {
    this.index = index;
  }

  @Override
  public void entryAdded(EntryEvent<String, TaskRecord> event) {
    take(event);
  }

  @Override
  public void entryUpdated(EntryEvent<String, TaskRecord> event) {
    take(event);
  }

  @Override
  public void entryMerged(EntryEvent<String, TaskRecord> event) {
    take(event);
  }

  @Override
  public void entryRemoved(EntryEvent<String, TaskRecord> event) {
    index.remove(event.getKey());
  }

  @Override
  public void entryExpired(EntryEvent<String, TaskRecord> event) {
    index.remove(event.getKey());
  }

  private void take(EntryEvent<String, TaskRecord> event) {
    TaskRecord r = event.getValue();
    if (r != null) {
      index.upsert(r);
    }
  }
}
