public import FacegateCore

/// What the door sends the venue's access panel for a member it recognised: a card
/// number of the panel's own format, random, made for this purpose (never the
/// member's own card, nothing derived from the face), which the venue enters in
/// the panel once (`facegate card panel SUBJECT`). The panel keeps its own rules
/// (schedules, anti-passback) for it as for any card.
public struct PanelCredential: Sendable, Equatable, Codable {
    public var format: WiegandFormat
    public var facility: Int
    public var number: Int

    public init(format: WiegandFormat, facility: Int, number: Int) {
        self.format = format
        self.facility = facility
        self.number = number
    }

    private enum CodingKeys: String, CodingKey { case format, facility, number }

    /// Decoded (from a fleet copy, or this door's database) only within its format's
    /// ranges: a copy claiming another credential is refused whole, never sent.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        format = try container.decode(WiegandFormat.self, forKey: .format)
        facility = try container.decode(Int.self, forKey: .facility)
        number = try container.decode(Int.self, forKey: .number)
        guard format.facilityRange.contains(facility), format.numberRange.contains(number) else {
            throw DecodingError.dataCorruptedError(
                forKey: .number, in: container, debugDescription: "a panel credential outside its format's ranges")
        }
    }

    /// The frame as the reader sends it, first bit first.
    public var bits: [Bool] { format.bits(facility: facility, number: number) }

    /// The frame as 0s and 1s, as a panel's enrolment screen or a Wiegand analyser shows it.
    public var bitString: String { String(bits.map { $0 ? "1" : "0" }) }

    /// The frame packed most significant bit first (an OSDP card read's data).
    public var packed: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: (bits.count + 7) / 8)
        for (index, bit) in bits.enumerated() where bit { bytes[index / 8] |= 0x80 >> UInt8(index % 8) }
        return bytes
    }

    public var json: JSONValue {
        ["format": .string(format.rawValue), "facility": .int(facility), "number": .int(number), "bits": .string(bitString)]
    }
}
