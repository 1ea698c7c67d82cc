internal import COSDP
public import FacegateCore

/// What the reader knows of its link to the panel.
public struct PanelLinkStatus: Sendable, Equatable {
    /// The panel polled the reader within the last 8 seconds (libosdp's window).
    public var polled: Bool
    /// ... over an established Secure Channel: the only state a card read is sent in.
    public var secure: Bool
    public var cardsSubmitted: UInt64
    public var cardsDelivered: UInt64
    public var cardsDropped: UInt64
    public var ledCommands: UInt64
    public var buzzerCommands: UInt64
    /// LED commands turning the reader green (a panel's "granted") and red ("denied").
    public var granted: UInt64
    public var denied: UInt64
    /// The panel tried to set a new key over the wire; refused (see `COSDP`).
    public var keysetRefused: UInt64
    /// The colour of the panel's last LED command (OSDP's numbering), and when.
    public var lastLEDColor: Int?
    public var lastLEDAt: Double?
    public var libraryErrors: UInt64
    /// Reading the device failed (unplugged, hung up): the reader must be opened again.
    public var deviceFailed: Bool

    /// Polled within the last second over the Secure Channel: a card read goes out.
    public var listening: Bool

    /// Up: polled now over a Secure Channel.
    public var isUp: Bool { listening }

    init(_ raw: fg_osdp_status) {
        polled = raw.online
        secure = raw.secure
        cardsSubmitted = raw.cards_submitted
        cardsDelivered = raw.cards_delivered
        cardsDropped = raw.cards_dropped
        ledCommands = raw.led_commands
        buzzerCommands = raw.buzzer_commands
        granted = raw.granted
        denied = raw.denied
        keysetRefused = raw.keyset_refused
        lastLEDColor = raw.last_led_color < 0 ? nil : Int(raw.last_led_color)
        lastLEDAt = raw.last_led_at_ms > 0 ? Double(raw.last_led_at_ms) / 1000 : nil
        libraryErrors = raw.errors_logged
        deviceFailed = raw.device_failed
        listening = raw.listening
    }

    /// OSDP's LED colours by name.
    static let colourNames = ["off", "red", "green", "amber", "blue", "magenta", "cyan", "white"]

    public var json: JSONObject {
        var object: JSONObject = [
            "link": .string(isUp ? "up" : "down"),
            "polled": .bool(polled),
            "secure_channel": .bool(secure),
            "cards_sent": .int(Int(cardsSubmitted)),
            "cards_delivered": .int(Int(cardsDelivered)),
            "cards_dropped": .int(Int(cardsDropped)),
            "led_commands": .int(Int(ledCommands)),
            "buzzer_commands": .int(Int(buzzerCommands)),
            "granted": .int(Int(granted)),
            "denied": .int(Int(denied)),
        ]
        if keysetRefused > 0 { object["key_changes_refused"] = .int(Int(keysetRefused)) }
        if let lastLEDColor {
            object["last_led"] = .string(lastLEDColor < Self.colourNames.count ? Self.colourNames[lastLEDColor] : "colour \(lastLEDColor)")
        }
        if let lastLEDAt { object["last_led_at"] = .string(Timestamp.iso8601(lastLEDAt)) }
        return object
    }
}
