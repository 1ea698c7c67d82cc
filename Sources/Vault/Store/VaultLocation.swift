/// Where the vault keeps its files inside the appliance's state directory.
public struct VaultLocation: Sendable, Equatable {
    public let stateDirectory: String

    public init(stateDirectory: String) {
        self.stateDirectory = stateDirectory
    }

    public var keys: KeyDirectory { KeyDirectory(path: stateDirectory + "/keys") }
    public var database: String { stateDirectory + "/facegate.sqlite" }
    public var erasureJournal: String { database + ".erasures" }
    /// Held by `facegate run` for as long as it serves the database; `restore` needs it too.
    public var lockFile: String { stateDirectory + "/facegate.lock" }
}
