package io.stoq.consensus;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;

/**
 * Who is in the Raft group, and changes to it: a registered node added as voter or listener, a
 * revoked node removed. Each change is one Ratis {@code setConfiguration} in COMPARE_AND_SET mode
 * against the configuration this replica holds, sent through the Raft client (which finds the
 * leader): if the group's configuration moved meanwhile (another join, a leader change that lost
 * an uncommitted change) the leader refuses it and nothing changes, so two joins at once can never
 * both take the last voter seat. Callers retry ({@link #add} and {@link #remove} are idempotent).
 *
 * <p>Thread-safe (Ratis's client and server are).
 */
public final class RaftMembers {
    private final RaftServer server;
    private final RaftGroupId groupId;
    private final RaftClient client;

    RaftMembers(RaftServer server, RaftGroupId groupId, RaftClient client) {
        this.server = server;
        this.groupId = groupId;
        this.client = client;
    }

    /** The group's members as this replica knows them: voters and listeners of the current configuration. */
    public record Members(List<RaftPeerSpec> voters, List<RaftPeerSpec> listeners) {
        public Members {
            voters = List.copyOf(voters);
            listeners = List.copyOf(listeners);
        }

        /** This member's entry, if it is one. */
        public Optional<RaftPeerSpec> get(String nodeId) {
            return all().stream().filter(p -> p.nodeId().equals(nodeId)).findFirst();
        }

        public boolean contains(String nodeId) {
            return get(nodeId).isPresent();
        }

        public List<RaftPeerSpec> all() {
            List<RaftPeerSpec> out = new ArrayList<>(voters);
            out.addAll(listeners);
            return out;
        }
    }

    /** The current configuration as this replica holds it (a follower may lag the leader by a heartbeat). */
    public Members current() throws ConsensusException {
        return members(conf());
    }

    private static Members members(RaftConfiguration conf) {
        return new Members(specs(conf.getCurrentPeers(RaftPeerRole.FOLLOWER), true),
                specs(conf.getCurrentPeers(RaftPeerRole.LISTENER), false));
    }

    /**
     * Adds {@code peer} to the group: as a voter when it asks to vote and the group has fewer than
     * {@code maxVoters} voters, else as a listener (a certified node cannot make the voting group
     * grow past the bound). Returns the entry the group holds for it: unchanged when it was a
     * member already. Blocks until the leader committed the change (Ratis first brings the new
     * member's log up to date). Fails with UNAVAILABLE when the configuration moved meanwhile or no
     * leader answered: try again.
     */
    public RaftPeerSpec add(RaftPeerSpec peer, int maxVoters) throws ConsensusException {
        RaftConfiguration conf = conf();
        Members now = members(conf);
        Optional<RaftPeerSpec> present = now.get(peer.nodeId());
        if (present.isPresent()) {
            return present.get();
        }
        RaftPeerSpec granted = peer.voter() && now.voters().size() < maxVoters ? peer : RaftPeerSpec.listener(peer.nodeId(),
                peer.address());
        List<RaftPeer> voters = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.FOLLOWER));
        List<RaftPeer> listeners = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.LISTENER));
        if (granted.voter()) {
            voters.add(peer(granted, RaftPeerRole.FOLLOWER));
        } else {
            listeners.add(peer(granted, RaftPeerRole.LISTENER));
        }
        change(conf, voters, listeners, "add " + granted);
        return granted;
    }

    /** Removes {@code nodeId} from the group; false when it was not a member. Fails as {@link #add} does. */
    public boolean remove(String nodeId) throws ConsensusException {
        RaftConfiguration conf = conf();
        if (!members(conf).contains(nodeId)) {
            return false;
        }
        List<RaftPeer> voters = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.FOLLOWER));
        List<RaftPeer> listeners = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.LISTENER));
        voters.removeIf(p -> p.getId().toString().equals(nodeId));
        listeners.removeIf(p -> p.getId().toString().equals(nodeId));
        if (voters.isEmpty()) {
            throw new ConsensusException(ConsensusErrorCode.BAD_CONFIG, "cannot remove " + nodeId + ": it is the group's last voter");
        }
        change(conf, voters, listeners, "remove " + nodeId);
        return true;
    }

    private void change(RaftConfiguration from, List<RaftPeer> voters, List<RaftPeer> listeners, String what) throws ConsensusException {
        SetConfigurationRequest.Arguments args = SetConfigurationRequest.Arguments.newBuilder()
                .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
                .setServersInCurrentConf(List.copyOf(from.getCurrentPeers(RaftPeerRole.FOLLOWER)))
                .setListenersInCurrentConf(List.copyOf(from.getCurrentPeers(RaftPeerRole.LISTENER)))
                .setServersInNewConf(voters)
                .setListenersInNewConf(listeners)
                .build();
        try {
            RaftClientReply reply = client.admin().setConfiguration(args);
            if (!reply.isSuccess()) {
                throw new ConsensusException(ConsensusErrorCode.UNAVAILABLE, "the group did not " + what + ": " + reply.getException());
            }
        } catch (IOException e) {
            throw new ConsensusException(ConsensusErrorCode.UNAVAILABLE, "the group did not " + what + ": " + e.getMessage(), e);
        }
    }

    private RaftConfiguration conf() throws ConsensusException {
        try {
            return server.getDivision(groupId).getRaftConf();
        } catch (IOException e) {
            throw new ConsensusException(ConsensusErrorCode.CLOSED, "this node's Raft server is not running: " + e.getMessage(), e);
        }
    }

    private static List<RaftPeerSpec> specs(Collection<RaftPeer> peers, boolean voters) {
        List<RaftPeerSpec> out = new ArrayList<>();
        for (RaftPeer p : peers) {
            String address = p.getAddress();
            int colon = address.lastIndexOf(':');
            InetSocketAddress a = new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
            out.add(new RaftPeerSpec(p.getId().toString(), a, voters));
        }
        out.sort(java.util.Comparator.comparing(RaftPeerSpec::nodeId));
        return out;
    }

    static RaftPeer peer(RaftPeerSpec p, RaftPeerRole role) {
        return RaftPeer.newBuilder().setId(p.nodeId()).setAddress(p.address().getHostString() + ":" + p.address().getPort())
                .setStartupRole(role).build();
    }
}
