package io.armadakv.replicator.it;

import com.google.protobuf.ByteString;
import io.armadakv.node.it.ArmadaProcess;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import maintenance.v1.MaintenanceGrpc;
import maintenance.v1.MaintenanceOuterClass.BackupRequest;
import maintenance.v1.MaintenanceOuterClass.ResetRequest;
import maintenance.v1.MaintenanceOuterClass.RestoreInfo;
import maintenance.v1.MaintenanceOuterClass.RestoreMessage;
import maintenance.v1.MaintenanceOuterClass.RestoreResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import replication.v1.Replication.SnapshotChunk;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A restore on the leader cluster reaches a follower cluster through the ordinary log, at the
 * leader's revisions; a Reset on the follower makes the table reload from a leader snapshot.
 */
class ReplicationRestoreIT {

    @TempDir
    Path dir;

    @Test
    void aRestoreOnTheLeaderReplicatesAndAResetReloadsTheFollowerTable() throws Exception {
        ArmadaProcess leader = ArmadaProcess.cluster(dir.resolve("leader"), 1).getFirst();
        try (leader) {
            Replication.createTable(leader, "r");
            Replication.createTable(leader, "src");
            for (int i = 0; i < 50; i++) {
                Replication.put(leader, "r", "old-" + i, "o" + i);
            }
            for (int i = 0; i < 80; i++) {
                Replication.put(leader, "src", "new-" + i, "n" + i);
            }
            ArmadaProcess follower = ArmadaProcess.followerCluster(dir.resolve("follower"), 1, List.of(leader))
                    .getFirst();
            try (follower; ReplicatorProcess replicator = new ReplicatorProcess(dir.resolve("replicator"),
                    ReplicatorProcess.quicAddresses(List.of(leader)), List.of(follower)).start()) {
                Replication.awaitSame("r", leader, List.of(follower));

                restore(leader, "r", backup(leader, "src"));
                Map<String, String> restored = Replication.contents(leader, "r");
                // same keys and values as the backup's table; every key at the restore's one revision
                assertEquals(values(Replication.contents(leader, "src")), values(restored));
                assertEquals(1, restored.values().stream().map(v -> v.substring(0, v.indexOf('='))).distinct().count());
                Replication.awaitSame("r", leader, List.of(follower));
                assertEquals(restored, Replication.contents(follower, "r"));

                // the follower side of the API: Reset only
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> MaintenanceGrpc
                        .newBlockingStub(follower.channel()).backup(BackupRequest.newBuilder()
                                .setTable(ByteString.copyFromUtf8("r")).build()).hasNext());
                assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
                e = assertThrows(StatusRuntimeException.class, () -> MaintenanceGrpc.newBlockingStub(follower.channel())
                        .reset(ResetRequest.newBuilder().setTable(ByteString.copyFromUtf8("no-such")).build()));
                assertEquals("table not found", e.getStatus().getDescription());
                e = assertThrows(StatusRuntimeException.class, () -> MaintenanceGrpc.newBlockingStub(follower.channel())
                        .reset(ResetRequest.getDefaultInstance()));
                assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());

                MaintenanceGrpc.newBlockingStub(follower.channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .reset(ResetRequest.newBuilder().setTable(ByteString.copyFromUtf8("r")).build());
                io.armadakv.node.it.Waits.until("the reset table to reload from a snapshot", Replication.CONVERGE,
                        () -> replicator.logText().contains("table r: loaded a snapshot"));
                for (int i = 0; i < 20; i++) {
                    Replication.put(leader, "r", "after-" + i, "a" + i);
                }
                Replication.awaitSame("r", leader, List.of(follower));
                assertEquals(Replication.contents(leader, "r"), Replication.contents(follower, "r"));
                assertTrue(replicator.logText().contains("reset on the follower cluster"), replicator.logText());
            }
        }
    }

    /** Replication.contents gives "revision=value": the values alone. */
    private static Map<String, String> values(Map<String, String> contents) {
        Map<String, String> out = new java.util.TreeMap<>();
        contents.forEach((k, v) -> out.put(k, v.substring(v.indexOf('=') + 1)));
        return out;
    }

    private static byte[] backup(ArmadaProcess leader, String table) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Iterator<SnapshotChunk> chunks = MaintenanceGrpc.newBlockingStub(leader.channel())
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .backup(BackupRequest.newBuilder().setTable(ByteString.copyFromUtf8(table)).build());
        while (chunks.hasNext()) {
            out.write(chunks.next().getData().toByteArray());
        }
        return out.toByteArray();
    }

    private static void restore(ArmadaProcess leader, String table, byte[] backup) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<RestoreMessage> requests = MaintenanceGrpc.newStub(leader.channel())
                .withDeadlineAfter(60, TimeUnit.SECONDS).restore(new StreamObserver<RestoreResponse>() {
                    @Override
                    public void onNext(RestoreResponse value) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(null);
                    }
                });
        requests.onNext(RestoreMessage.newBuilder().setInfo(RestoreInfo.newBuilder()
                .setTable(ByteString.copyFromUtf8(table))).build());
        requests.onNext(RestoreMessage.newBuilder().setChunk(SnapshotChunk.newBuilder()
                .setData(ByteString.copyFrom(backup)).setLen(backup.length)).build());
        requests.onCompleted();
        done.get(60, TimeUnit.SECONDS);
    }
}
