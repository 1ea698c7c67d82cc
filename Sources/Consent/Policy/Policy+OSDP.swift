import FacegateCore

extension Policy {
    /// `[osdp]`: the door as a reader of the venue's access panel (OSDP, Secure
    /// Channel always on). Absent: no panel link; a `member` decision runs only the
    /// relay command. Its key is never in the policy: the systemd credential
    /// `facegate-osdp-scbk`, else `keys/osdp-scbk` in the state directory.
    public struct OSDP: Sendable, Equatable {
        /// The serial device the panel's bus is on (an RS-485 adapter, a pty in tests).
        public var device: String
        public var baud: Int
        /// The reader's address on the bus, as set in the panel.
        public var address: Int
        /// The format of the panel credentials sent (and issued).
        public var format: WiegandFormat
        /// The facility (site) code of the panel credentials issued.
        public var facility: Int

        /// The rates OSDP allows.
        public static let baudRates = [9600, 19200, 38400, 57600, 115_200]
        public static let defaultFormat = WiegandFormat.wiegand26
    }

    /// `[osdp.reader]`: a card reader beside the door that facegate polls as its
    /// control panel; a card presented there is a claim (`trigger = "claim"`). Its key:
    /// `keys/osdp-reader-scbk` or the credential `facegate-osdp-reader-scbk`.
    public struct OSDPCardReader: Sendable, Equatable {
        public var device: String
        public var baud: Int
        public var address: Int
    }

    /// The format and facility panel credentials are issued with: the panel link's;
    /// without one a credential is not issued (which facility is free is the venue's to say).
    public func panelCredentialFormat() throws -> (format: WiegandFormat, facility: Int) {
        guard let osdp else {
            throw ConsentError(
                .invalidPolicy,
                "this door has no access panel: set [osdp] (device, format and a facility none of the venue's badges use) in the policy first"
            )
        }
        return (osdp.format, osdp.facility)
    }

    /// `[osdp]` (optional): the panel link when it names a `device`, the card reader
    /// when it has a `[osdp.reader]` table; at least one of them.
    static func osdp(_ table: PolicyReader?) throws -> (panel: OSDP?, reader: OSDPCardReader?) {
        guard var table else { return (nil, nil) }
        var reader: OSDPCardReader?
        if var readerTable = try table.table("reader", required: false) {
            reader = OSDPCardReader(
                device: try device(&readerTable), baud: try baud(&readerTable),
                address: try readerTable.integer("address", default: 0, range: PolicyRange.osdpAddress))
            try readerTable.rejectUnknownKeys()
        }
        if table.table["device"] == nil, reader != nil {
            guard table.table.keys.allSatisfy({ $0 == "reader" }) else {
                throw ConsentError(
                    .invalidPolicy, "policy: '[osdp]' sets the panel link's keys but no 'osdp.device'; name the panel's serial device")
            }
            return (nil, reader)
        }
        let device = try device(&table)
        let baud = try baud(&table)
        let formatName = try table.string("format", default: OSDP.defaultFormat.rawValue)
        guard let format = WiegandFormat(rawValue: formatName) else {
            throw ConsentError(
                .invalidPolicy,
                "policy: 'osdp.format' must be one of \(WiegandFormat.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")) (got \"\(formatName)\")"
            )
        }
        // No default facility: the venue's own badges already use some, and a credential
        // equal to a badge's number would carry that badge's rights at the panel.
        guard table.table["facility"] != nil else {
            throw ConsentError(
                .invalidPolicy,
                "policy: 'osdp.facility' is missing: choose a facility (site) code that none of the venue's badges use, so that no member's credential is a badge's number"
            )
        }
        let settings = OSDP(
            device: device, baud: baud, address: try table.integer("address", default: 0, range: PolicyRange.osdpAddress), format: format,
            facility: try table.integer("facility", range: format.facilityRange))
        try table.rejectUnknownKeys()
        if let reader, reader.device == settings.device {
            throw ConsentError(
                .invalidPolicy,
                "policy: 'osdp.device' and 'osdp.reader.device' are both \(device); the panel's bus and the card reader need a line each")
        }
        return (settings, reader)
    }

    private static func device(_ table: inout PolicyReader) throws -> String {
        let device = try table.string("device")
        guard device.hasPrefix("/") else {
            throw ConsentError(
                .invalidPolicy, "policy: '\(table.path).device' must be a device path such as \"/dev/ttyUSB0\" (got \"\(device)\")")
        }
        return device
    }

    private static func baud(_ table: inout PolicyReader) throws -> Int {
        let baud = try table.integer("baud", default: 9600, range: 9600...115_200)
        guard OSDP.baudRates.contains(baud) else {
            throw ConsentError(
                .invalidPolicy,
                "policy: '\(table.path).baud' must be one of \(OSDP.baudRates.map(String.init).joined(separator: ", ")) (got \(baud))")
        }
        return baud
    }
}
