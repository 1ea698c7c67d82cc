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

    private func associatedData(_ subject: String) -> [UInt8] { Array("facegate/fleet-subject/v1|\(fleetID)|\(subject)".utf8) }

    func seal(_ plaintext: [UInt8], subject: String) -> [UInt8] {
        SealedBox.seal(plaintext, key: key, associatedData: associatedData(subject))
    }

    func open(_ sealed: [UInt8], subject: String) -> SecureBuffer? {
        SealedBox.open(sealed, key: key, associatedData: associatedData(subject))
    }
}
