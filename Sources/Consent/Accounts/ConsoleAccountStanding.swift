/// A console account as it stands now: its role and the stamp a session opened on it
/// holds. The stamp is replaced whenever the account is added again, its password is
/// changed or its role is changed, so a session whose stamp differs from the account's
/// is over: nobody keeps the rights they signed in with after they were taken away.
public struct ConsoleAccountStanding: Sendable, Equatable {
    public var account: ConsoleAccount
    public var stamp: String

    public init(account: ConsoleAccount, stamp: String) {
        self.account = account
        self.stamp = stamp
    }
}
