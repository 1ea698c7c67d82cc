/// The card formats an access panel reads from a reader, as the panel credential
/// (`PanelCredential`) is sent to it: HID's open formats, the ones every panel knows.
/// Each frames its data bits with an even parity bit over the first half and an odd
/// one over the last half.
public enum WiegandFormat: String, Sendable, CaseIterable, Codable {
    /// H10301: 8-bit facility code, 16-bit number (65,535 members per facility).
    case wiegand26
    /// H10306: 16-bit facility code, 16-bit number.
    case wiegand34
    /// H10304: 16-bit facility code, 19-bit number.
    case wiegand37

    public var bitCount: Int {
        switch self {
        case .wiegand26: 26
        case .wiegand34: 34
        case .wiegand37: 37
        }
    }

    public var facilityRange: ClosedRange<Int> { self == .wiegand26 ? 0...255 : 0...65_535 }

    /// Numbers handed out: 0 is left alone (a blank card on many panels).
    public var numberRange: ClosedRange<Int> { self == .wiegand37 ? 1...524_287 : 1...65_535 }

    private var facilityBits: Int { self == .wiegand26 ? 8 : 16 }
    private var numberBits: Int { self == .wiegand37 ? 19 : 16 }
    /// How many data bits each parity bit covers (the halves overlap by one in 37 bits).
    private var parityHalf: Int {
        switch self {
        case .wiegand26: 12
        case .wiegand34: 16
        case .wiegand37: 18
        }
    }

    /// The frame, first bit first: parity, facility, number, parity.
    public func bits(facility: Int, number: Int) -> [Bool] {
        precondition(facilityRange.contains(facility) && (0...numberRange.upperBound).contains(number))
        let data = Self.binary(facility, width: facilityBits) + Self.binary(number, width: numberBits)
        let even = data.prefix(parityHalf).filter { $0 }.count % 2 == 1
        let odd = data.suffix(parityHalf).filter { $0 }.count % 2 == 0
        return [even] + data + [odd]
    }

    /// The format, facility and number `bits` carry, when they are a frame of one of
    /// these formats with both parity bits right.
    public static func decode(_ bits: [Bool]) -> (format: WiegandFormat, facility: Int, number: Int)? {
        guard let format = allCases.first(where: { $0.bitCount == bits.count }) else { return nil }
        let data = Array(bits.dropFirst().dropLast())
        let facility = data.prefix(format.facilityBits).reduce(0) { $0 << 1 | ($1 ? 1 : 0) }
        let number = data.dropFirst(format.facilityBits).reduce(0) { $0 << 1 | ($1 ? 1 : 0) }
        guard format.bits(facility: facility, number: number) == bits else { return nil }
        return (format, facility, number)
    }

    private static func binary(_ value: Int, width: Int) -> [Bool] {
        (0..<width).map { value >> (width - 1 - $0) & 1 == 1 }
    }
}
