/// A hub copy's own key wrapped under one of the fleet's key epochs (`fleet_copy_key`,
/// `FleetEpochs`): re-wrapped as epochs begin, deleted with the copy.
struct WrappedCopyKey: Sendable, Equatable {
    var subject: String
    var epoch: Int
    var wrapped: [UInt8]
}
