/// Who a console account is for and who made it: the named person it is bound to, the
/// OS user who ran `console user add`, and when. Two console accounts are two people
/// only if their origins say so (`TwoPersonReview`).
public struct ConsoleAccountOrigin: Sendable, Equatable {
    /// The person's full name, as given at `console user add --person` (empty for an
    /// account made before accounts were bound to people).
    public var person: String
    /// The OS user who created the account (empty when unknown).
    public var createdBy: String
    public var createdAt: Double

    public init(person: String, createdBy: String, createdAt: Double) {
        self.person = person
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}
