public import FacegateCore
import Vault

/// One device's hash chain read line by line, as an export lays it out: each entry
/// must follow the previous one and match its hash, each checkpoint must be signed by
/// the device's key and match the chain. Shared by the verification of a device's own
/// export and of a fleet's, where every door's chain is a section of its own.
struct AuditChain {
    var publicKey: [UInt8]?
    private(set) var previousHash = AuditEntry.genesisHash
    private(set) var hashes: [Int: [UInt8]] = [:]
    private(set) var entries = 0
    private(set) var checkpoints = 0
    private(set) var lastSeq = 0
    /// The sequence number of the newest checkpoint (0 for none).
    private(set) var lastCheckpointSeq = 0
    private(set) var latestCheckpointTime = ""

    init(publicKey: [UInt8]?) { self.publicKey = publicKey }

    /// The hash of the last entry read (the genesis hash before any).
    var headHash: [UInt8] { lastSeq == 0 ? AuditEntry.genesisHash : previousHash }

    /// Reads an `entry` line; the failure (entry number and reason) if it breaks the chain.
    mutating func take(entry value: JSONValue) -> (seq: Int, reason: String)? {
        guard let seq = value["seq"]?.intValue else { return (lastSeq + 1, "an entry without a sequence number") }
        let expected = lastSeq + 1
        if seq > expected { return (expected, "entry \(expected) is missing (entry \(seq) follows entry \(lastSeq))") }
        if seq < expected { return (seq, "entry \(seq) is out of order or repeated (after entry \(lastSeq))") }
        guard let entry = AuditVerifier.entry(from: value) else { return (seq, "entry \(seq) is malformed") }
        if entry.previousHash != previousHash {
            return (seq, "entry \(seq) does not chain to entry \(seq - 1) (its previous hash differs)")
        }
        if entry.computedHash != entry.hash { return (seq, "entry \(seq) was altered: its content does not match its hash") }
        previousHash = entry.hash
        hashes[seq] = entry.hash
        entries += 1
        lastSeq = seq
        return nil
    }

    /// Reads a `checkpoint` line; the failure if it is not the device's or not the chain's.
    mutating func take(checkpoint value: JSONValue) -> (seq: Int, reason: String)? {
        guard let seq = value["seq"]?.intValue,
            let hash = value["hash"]?.stringValue.flatMap(Hex.decode),
            let time = value["time"]?.stringValue,
            let signature = value["signature"]?.stringValue.flatMap(Hex.decode)
        else { return (lastSeq + 1, "a malformed checkpoint") }
        guard let publicKey else { return (seq, "no public key before the first checkpoint; pass --public-key") }
        guard
            SignatureVerifier.isValid(
                signature: signature, message: AuditCheckpoint.message(seq: seq, hash: hash, time: time), publicKey: publicKey)
        else { return (seq, "the checkpoint at entry \(seq) has an invalid signature") }
        guard let chained = hashes[seq] else { return (seq, "the checkpoint at entry \(seq) refers to an entry that is not in the export") }
        guard chained == hash else {
            return (seq, "the signed checkpoint at entry \(seq) does not match the chain: entries up to \(seq) were rewritten")
        }
        checkpoints += 1
        lastCheckpointSeq = max(lastCheckpointSeq, seq)
        latestCheckpointTime = max(latestCheckpointTime, time)
        return nil
    }
}
