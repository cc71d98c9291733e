package io.armadakv.node.raft;

import org.apache.ratis.protocol.RaftGroupId;

import java.util.OptionalLong;
import java.util.UUID;

/**
 * Raft group ids, derived so that every node computes the same id for the same group: the
 * catalog group has a fixed id and a table's group carries the table's shard id, which lets a
 * restarted node tell from a group's storage directory which table it belongs to.
 */
public final class GroupIds {

    private static final long TABLE_MAGIC = 0x41524d4144415442L; // "ARMADATB"
    private static final long CATALOG_MAGIC = 0x41524d414441434CL; // "ARMADACL"

    public static final RaftGroupId CATALOG = RaftGroupId.valueOf(new UUID(CATALOG_MAGIC, 0));

    private GroupIds() {
    }

    public static RaftGroupId forTable(long tableId) {
        return RaftGroupId.valueOf(new UUID(TABLE_MAGIC, tableId));
    }

    /** The table id a group id carries, or empty for the catalog or a foreign group. */
    public static OptionalLong tableId(RaftGroupId groupId) {
        UUID uuid = groupId.getUuid();
        return uuid.getMostSignificantBits() == TABLE_MAGIC
                ? OptionalLong.of(uuid.getLeastSignificantBits())
                : OptionalLong.empty();
    }
}
