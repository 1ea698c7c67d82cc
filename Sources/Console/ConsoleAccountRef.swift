public import Consent
import FacegateCore
import Logging

/// The account a bearer token stands for (a box so that the context stays small).
public struct ConsoleAccountRef: Sendable {
    public let account: ConsoleAccount
}
