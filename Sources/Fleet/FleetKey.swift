public import Vault

/// The fleet key's two uses: sealing subjects' copies for the hub (bound to the fleet
/// and the pseudonym, so a copy moved to another row or fleet does not open) and the
/// check constant that tells a door at once that it holds the wrong key.
public struct FleetKey: Sendable {
    let key: SecretKey
    public let fleetID: String

    public init(_ key: SecretKey, fleetID: String) {
        self.key = key
        self.fleetID = fleetID
    }

    private static let checkText = Array("facegate fleet key check v1".utf8)

    var check: [UInt8] {
        SealedBox.seal(Self.checkText, key: key, associatedData: Array("facegate/fleet-check/v1|\(fleetID)".utf8))
    }

    func opens(check sealed: [UInt8]) -> Bool {
        guard let opened = SealedBox.open(sealed, key: key, associatedData: Array("facegate/fleet-check/v1|\(fleetID)".utf8)) else {
            return false
        }
        return Array(UnsafeRawBufferPointer(opened.bytes)) == Self.checkText
    }

    /// What a sealed value is bound to: its kind, the fleet, and its place (a
    /// pseudonym; a door and an entry), so that a value moved elsewhere does not open.
    private func associatedData(_ kind: String, _ place: [String]) -> [UInt8] {
        Array((["facegate/fleet-\(kind)/v1", fleetID] + place).joined(separator: "|").utf8)
    }

    func seal(_ plaintext: [UInt8], subject: String) -> [UInt8] {
        SealedBox.seal(plaintext, key: key, associatedData: associatedData("subject", [subject]))
    }

    func open(_ sealed: [UInt8], subject: String) -> SecureBuffer? {
        SealedBox.open(sealed, key: key, associatedData: associatedData("subject", [subject]))
    }

    /// A subject's copy sealed with its own key (`copyKey`, wrapped under the fleet's key
    /// epoch: `FleetEpochs`) mixed with the fleet key, bound to the fleet and the
    /// pseudonym: hub schema 4 on. Both keys are needed: an epoch key that leaked (a join
    /// token read off the hub) opens nothing without the fleet key, and the fleet key
    /// opens nothing once the epoch is destroyed.
    func seal(_ plaintext: [UInt8], subject: String, copyKey: SecretKey) -> [UInt8] {
        let cipher = key.mixed(with: copyKey, context: associatedData("copy", [subject]))
        defer { cipher.wipe() }
        return SealedBox.seal(plaintext, key: cipher, associatedData: associatedData("copy", [subject]))
    }

    func open(_ sealed: [UInt8], subject: String, copyKey: SecretKey) -> SecureBuffer? {
        let cipher = key.mixed(with: copyKey, context: associatedData("copy", [subject]))
        defer { cipher.wipe() }
        return SealedBox.open(sealed, key: cipher, associatedData: associatedData("copy", [subject]))
    }

    /// An entry of a door's audit chain (its export lines), or the door's public key (`seq` nil).
    func seal(_ plaintext: [UInt8], auditOf door: String, seq: Int?) -> [UInt8] {
        SealedBox.seal(plaintext, key: key, associatedData: associatedData("audit", [door, seq.map(String.init) ?? "key"]))
    }

    func open(_ sealed: [UInt8], auditOf door: String, seq: Int?) -> [UInt8]? {
        guard let opened = SealedBox.open(sealed, key: key, associatedData: associatedData("audit", [door, seq.map(String.init) ?? "key"]))
        else { return nil }
        defer { opened.wipe() }
        return Array(UnsafeRawBufferPointer(opened.bytes))
    }

    /// A door's signature of a row, sealed with the fleet key and bound to the signed
    /// text: what the hub stores as the row's `proof`.
    func proof(signature: [UInt8], for change: SignedChange) -> [UInt8] {
        SealedBox.seal(signature, key: key, associatedData: change.message)
    }

    /// The signature a row's proof holds, or nil when the proof was not sealed with the
    /// fleet key for exactly this row (forged, altered, or moved from another row).
    func signature(inProof proof: [UInt8], for change: SignedChange) -> [UInt8]? {
        guard let opened = SealedBox.open(proof, key: key, associatedData: change.message) else { return nil }
        defer { opened.wipe() }
        return Array(UnsafeRawBufferPointer(opened.bytes))
    }
}
