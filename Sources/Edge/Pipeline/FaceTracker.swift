public import FaceEngine
import FacegateCore
import Vault

/// Follows faces from frame to frame by box overlap, so that a person standing at
/// the door is embedded a few times (the vote), decided once, and then only
/// re-checked every `recheckFrames` frames instead of on every frame.
///
/// Not thread-safe; the pipeline keeps it behind a lock.
public struct FaceTracker: Sendable {
    public struct Track: Sendable {
        public let id: Int
        public var box: FaceBox
        public var lastSeen: Int
        public var firstSeen: Int
        /// Per-frame decisions since the last (re)decision.
        public var votes: [MatchDecision] = []
        public var decision: MatchDecision?
        public var lastEmbedded: Int = Int.min / 2
    }

    public var voteFrames: Int
    public var recheckFrames: Int
    /// A track unseen for this many frames is dropped.
    public var maxMissedFrames = 8
    /// Minimum box overlap to continue a track.
    public var minimumIoU = 0.3
    public private(set) var tracks: [Track] = []
    private var nextID = 1

    public init(voteFrames: Int, recheckFrames: Int) {
        self.voteFrames = max(1, voteFrames)
        self.recheckFrames = max(1, recheckFrames)
    }

    /// Matches this frame's boxes to tracks (greedily, best overlap first), opens
    /// tracks for new faces, drops stale ones. Returns, per box, its track id and
    /// whether it should be embedded in this frame.
    public mutating func update(frame: Int, boxes: [FaceBox]) -> [(track: Int, box: FaceBox, embed: Bool)] {
        tracks.removeAll { frame - $0.lastSeen > maxMissedFrames }
        var pairs: [(iou: Double, box: Int, track: Int)] = []
        for (b, box) in boxes.enumerated() {
            for (t, track) in tracks.enumerated() {
                let iou = track.box.intersectionOverUnion(box)
                if iou >= minimumIoU { pairs.append((iou, b, t)) }
            }
        }
        pairs.sort { $0.iou > $1.iou }
        var boxTrack = [Int?](repeating: nil, count: boxes.count)
        var usedTracks = Set<Int>()
        for pair in pairs where boxTrack[pair.box] == nil && !usedTracks.contains(pair.track) {
            boxTrack[pair.box] = pair.track
            usedTracks.insert(pair.track)
        }
        var result: [(track: Int, box: FaceBox, embed: Bool)] = []
        for (b, box) in boxes.enumerated() {
            let index: Int
            if let existing = boxTrack[b] {
                index = existing
                tracks[index].box = box
                tracks[index].lastSeen = frame
            } else {
                tracks.append(Track(id: nextID, box: box, lastSeen: frame, firstSeen: frame))
                nextID += 1
                index = tracks.count - 1
            }
            let track = tracks[index]
            let embed = track.decision == nil || frame - track.lastEmbedded >= recheckFrames
            if embed { tracks[index].lastEmbedded = frame }
            result.append((track.id, box, embed))
        }
        return result
    }

    /// Adds one frame's decision to a track's vote. Returns the track's decision when
    /// this vote settles (or changes) it, nil otherwise.
    public mutating func vote(track id: Int, _ decision: MatchDecision) -> (decision: MatchDecision, frames: Int)? {
        guard let index = tracks.firstIndex(where: { $0.id == id }) else { return nil }
        if let decided = tracks[index].decision {
            // A re-check: agreeing keeps the decision; disagreeing starts a new vote.
            if decided.kind == decision.kind && decided.subject == decision.subject { return nil }
            tracks[index].decision = nil
            tracks[index].votes = []
        }
        tracks[index].votes.append(decision)
        let votes = tracks[index].votes
        guard votes.count >= voteFrames else { return nil }
        let outcome = Self.tally(votes)
        tracks[index].decision = outcome
        return (outcome, votes.count)
    }

    /// A strict majority of the votes for one subject makes the decision (the member or
    /// alert it was); anything less is unknown. The distance is the best of the winner's.
    static func tally(_ votes: [MatchDecision]) -> MatchDecision {
        var counts: [SubjectID: Int] = [:]
        for vote in votes { if let subject = vote.subject { counts[subject, default: 0] += 1 } }
        guard let (winner, count) = counts.max(by: { $0.value < $1.value }), count * 2 > votes.count else { return .unknown }
        let theirs = votes.filter { $0.subject == winner }
        let kind: MatchDecision.Kind = theirs.contains { $0.kind == .alert } ? .alert : .member
        return MatchDecision(kind: kind, subject: winner, distance: theirs.compactMap(\.distance).min())
    }
}
