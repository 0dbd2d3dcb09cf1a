package dev.mesh.common.replay.store;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.spi.merge.MergingEntry;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a channel's history merges when the smaller side of a split joins the larger one (the merging
 * log) and both hold the channel (the existing log):
 *
 * <ul>
 *   <li>different epochs: the existing log stays (clients of the other epoch get a {@code reset} on
 *       their next read or live event anyway);
 *   <li>same epoch, and the existing log continues the merging one (its head event is the same):
 *       the existing log stays, nothing was lost;
 *   <li>same epoch, histories diverged (both sides appended, or the merging side is ahead): neither
 *       can be kept without some client holding a position whose events differ. The channel gets a
 *       fresh, empty log with a new epoch (its dedupe ids cleared), so every client of the channel
 *       receives an explicit {@code reset}.
 * </ul>
 *
 * A log only the merging side has is kept. With split-brain protection on, the merging side could
 * not append, so the first two cases are the usual ones. The policy asks for {@link MergingEntry}
 * only (key and value): richer merge types need per-entry statistics on the map.
 */
public final class ChannelLogMergePolicy
    implements SplitBrainMergePolicy<ChannelLog, MergingEntry<Object, ChannelLog>, Object> {

  private static final Logger LOG = LoggerFactory.getLogger(ChannelLogMergePolicy.class);

  @Override
  public Object merge(
      MergingEntry<Object, ChannelLog> merging, MergingEntry<Object, ChannelLog> existing) {
    if (existing == null) {
      return merging.getRawValue();
    }
    ChannelLog incoming = merging.getValue();
    ChannelLog current = existing.getValue();
    if (incoming == null
        || current == null
        || !current.epoch().equals(incoming.epoch())
        || current.continues(incoming)) {
      return existing.getRawValue();
    }
    ChannelLog fresh = new ChannelLog(Epochs.next());
    LOG.warn(
        "event=history-diverged channel={} epoch={} mergingHead={} existingHead={} newEpoch={}",
        merging.getKey(),
        current.epoch(),
        incoming.head(),
        current.head(),
        fresh.epoch());
    return fresh;
  }

  @Override
  public void writeData(ObjectDataOutput out) {
    // stateless
  }

  @Override
  public void readData(ObjectDataInput in) {
    // stateless
  }
}
