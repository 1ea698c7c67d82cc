/// Where the vault keeps its files inside the appliance's state directory.
public struct VaultLocation: Sendable, Equatable {
    public let stateDirectory: String

    public init(stateDirectory: String) {
        self.stateDirectory = stateDirectory
    }

    public var keys: KeyDirectory { KeyDirectory(path: stateDirectory + "/keys") }
    public var database: String { stateDirectory + "/facegate.sqlite" }
    public var erasureJournal: String { database + ".erasures" }
}
