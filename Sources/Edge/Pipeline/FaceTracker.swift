public import FaceEngine
import FacegateCore
import Vault

/// Follows faces from frame to frame by box overlap, so that a person standing at
/// the door is embedded a few times (the vote), decided once, and then only
/// re-checked every `recheckFrames` frames instead of on every frame.
///
/// With a `gate` (the `zone` and `claim` triggers) every face is tracked, but only a
/// face that has stood in the door zone for the gate's dwell is ever embedded: the
/// others are `outside` (or still `waiting`), never aligned, embedded or decided.
///
/// Not thread-safe; the pipeline keeps it behind a lock.
public struct FaceTracker: Sendable {
    public struct Track: Sendable {
        public let id: Int
        public var box: FaceBox
        public var lastSeen: Int
        /// The frame time (seconds) it was last seen at.
        public var lastSeenTime: Double
        public var firstSeen: Int
        /// Per-frame decisions since the last (re)decision.
        public var votes: [MatchDecision] = []
        public var decision: MatchDecision?
        public var lastEmbedded: Int = Int.min / 2
        /// Consecutive frames this face has stood still in the door zone.
        public var dwell = 0
        /// Where (the centre, and the width) and when its dwell began.
        var dwellAnchor: (x: Double, y: Double, width: Double) = (0, 0, 0)
        var dwellStart = 0.0
        /// At the door when a card was presented: this entry is the card's, and the
        /// face is never embedded or decided.
        public var cardEntry = false
    }

    /// Where a face is relative to the door gate.
    public enum Place: Sendable, Equatable {
        /// Outside the zone, too small, or walking: never processed.
        case outside
        /// In the zone, not yet for the gate's dwell.
        case waiting
        /// Stepped up to the door (or no gate): may be processed.
        case inside
    }

    /// One face of a frame: its track, and whether to embed it now.
    public struct Assignment: Sendable, Equatable {
        public var track: Int
        public var box: FaceBox
        public var embed: Bool
        public var place: Place
    }

    public var voteFrames: Int
    public var recheckFrames: Int
    /// A track unseen for this many frames is dropped.
    public var maxMissedFrames = 8
    /// A track unseen for this long (frame time, seconds) is dropped, however few frames
    /// came meanwhile: frames are numbered as they arrive, so a camera that was
    /// unplugged for a minute gives consecutive numbers on both sides of the outage, and
    /// the person standing at the same spot afterwards, who may be someone else, would
    /// otherwise inherit the track and its decision. Two seconds: far more than a frame
    /// takes on the slowest box the door runs on (a track must live from frame to frame
    /// to gather its vote), far less than a camera takes to come back.
    public var maxMissedSeconds = 2.0
    /// Minimum box overlap to continue a track.
    public var minimumIoU = 0.3
    /// Which faces may be processed; nil processes every face (`trigger = "always"`).
    public var gate: DoorGate?
    public private(set) var tracks: [Track] = []
    private var nextID = 1
    /// How long after a card is shown with nobody at the door the first face to step
    /// into the zone is still taken for the card's holder: a reader beside the spot is
    /// used while walking up, a few steps (seconds) before standing there.
    public static let cardEntrySeconds = 5.0
    /// Until when (frame time) the next face to step into the zone is a card's entry.
    private var cardAwaitedUntil: Double?
    /// The time of the last frame seen.
    private var lastTime = 0.0

    public init(voteFrames: Int, recheckFrames: Int, gate: DoorGate? = nil) {
        self.voteFrames = max(1, voteFrames)
        self.recheckFrames = max(1, recheckFrames)
        self.gate = gate
    }

    /// Matches this frame's boxes to tracks (greedily, best overlap first), opens
    /// tracks for new faces, drops stale ones. Returns, per box, its track id, where
    /// it is relative to the gate (in a `width`x`height` frame taken at `time`
    /// seconds) and whether it should be embedded in this frame.
    public mutating func update(frame: Int, time: Double? = nil, boxes: [FaceBox], width: Int = 0, height: Int = 0) -> [Assignment] {
        let time = time ?? Double(frame) / DoorGate.referenceFrameRate
        lastTime = time
        tracks.removeAll { frame - $0.lastSeen > maxMissedFrames || time - $0.lastSeenTime > maxMissedSeconds }
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
        var result: [Assignment] = []
        for (b, box) in boxes.enumerated() {
            let index: Int
            // A dwell goes on only from the frame just before.
            var continued = false
            if let existing = boxTrack[b] {
                index = existing
                continued = tracks[index].lastSeen == frame - 1
                tracks[index].box = box
                tracks[index].lastSeen = frame
                tracks[index].lastSeenTime = time
            } else {
                tracks.append(Track(id: nextID, box: box, lastSeen: frame, lastSeenTime: time, firstSeen: frame))
                nextID += 1
                index = tracks.count - 1
            }
            let place: Place
            if let gate {
                if !gate.admits(box, width: width, height: height) {
                    tracks[index].dwell = 0
                } else if continued, tracks[index].dwell > 0, gate.isStill(box, since: tracks[index].dwellAnchor) {
                    tracks[index].dwell += 1
                } else {
                    if tracks[index].dwell == 0 { enteredZone(index, at: time) }
                    tracks[index].dwell = 1
                    tracks[index].dwellAnchor = (box.centerX, box.centerY, Double(box.width))
                    tracks[index].dwellStart = time
                }
                let track = tracks[index]
                place =
                    track.dwell == 0
                    ? .outside : (gate.hasDwelt(frames: track.dwell, seconds: time - track.dwellStart) ? .inside : .waiting)
            } else {
                place = .inside
            }
            let track = tracks[index]
            let embed =
                place == .inside && !track.cardEntry && (track.decision == nil || frame - track.lastEmbedded >= recheckFrames)
            if embed { tracks[index].lastEmbedded = frame }
            result.append(Assignment(track: track.id, box: box, embed: embed, place: place))
        }
        return result
    }

    /// A card was presented for a card-only entry, and the entry is the card's: every face
    /// at the door now (in the zone, waiting or already inside) is not embedded or decided
    /// from now on, nor are votes in flight for it counted. When nobody is at the door yet
    /// (the card shown while its holder walks up), the first face to step into the zone
    /// within `cardEntrySeconds` is the card's instead. Faces outside the zone are
    /// untouched (they were never processed). Returns how many tracks it marked now.
    @discardableResult
    public mutating func cardPresented() -> Int {
        var marked = 0
        for index in tracks.indices where tracks[index].dwell > 0 {
            tracks[index].cardEntry = true
            tracks[index].votes = []
            marked += 1
        }
        cardAwaitedUntil = marked == 0 ? lastTime + Self.cardEntrySeconds : nil
        return marked
    }

    /// A face stepped into the door zone at `time`: the card's, if one is awaited.
    private mutating func enteredZone(_ index: Int, at time: Double) {
        guard let until = cardAwaitedUntil else { return }
        cardAwaitedUntil = nil
        if time <= until { tracks[index].cardEntry = true }
    }

    /// Starts a track's vote again, to be embedded at once: a card's claim that binds
    /// to a face already decided needs a decision of its own.
    public mutating func restartVote(track id: Int) {
        guard let index = tracks.firstIndex(where: { $0.id == id }) else { return }
        tracks[index].decision = nil
        tracks[index].votes = []
    }

    /// Adds one frame's decision to a track's vote. Returns the track's decision when
    /// this vote settles (or changes) it, nil otherwise.
    public mutating func vote(track id: Int, _ decision: MatchDecision) -> (decision: MatchDecision, frames: Int)? {
        guard let index = tracks.firstIndex(where: { $0.id == id }), !tracks[index].cardEntry else { return nil }
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
    /// alert it was); anything less is unknown. The distance is the best of the winner's
    /// (with that vote's runner-up).
    static func tally(_ votes: [MatchDecision]) -> MatchDecision {
        var counts: [SubjectID: Int] = [:]
        for vote in votes { if let subject = vote.subject { counts[subject, default: 0] += 1 } }
        guard let (winner, count) = counts.max(by: { $0.value < $1.value }), count * 2 > votes.count else { return .unknown }
        let theirs = votes.filter { $0.subject == winner }
        let kind: MatchDecision.Kind = theirs.contains { $0.kind == .alert } ? .alert : .member
        // The closest of the winner's votes gives the distance, and its runner-up.
        let closest = theirs.filter { $0.distance != nil }.min { $0.distance! < $1.distance! }
        return MatchDecision(kind: kind, subject: winner, distance: closest?.distance, runnerUp: closest?.runnerUp)
    }
}
