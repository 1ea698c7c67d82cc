import NIOCore

/// The few MQTT 3.1.1 packets a publisher needs, encoded by hand: CONNECT (with a
/// last will), PUBLISH at QoS 0, PINGREQ, DISCONNECT; and the broker's CONNACK and
/// PINGRESP read back. Nothing is subscribed to: the door only tells.
enum MQTTPacket {
    static let connect: UInt8 = 0x10
    static let connack: UInt8 = 0x20
    static let publish: UInt8 = 0x30
    static let pingreq: UInt8 = 0xC0
    static let pingresp: UInt8 = 0xD0
    static let disconnect: UInt8 = 0xE0

    /// The largest packet the broker may send us (CONNACK and PINGRESP are tiny).
    static let maximumInbound = 1024

    static func frame(_ header: UInt8, body: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        var out = allocator.buffer(capacity: body.readableBytes + 5)
        out.writeInteger(header)
        var remaining = body.readableBytes
        repeat {
            var byte = UInt8(remaining % 128)
            remaining /= 128
            if remaining > 0 { byte |= 0x80 }
            out.writeInteger(byte)
        } while remaining > 0
        var body = body
        out.writeBuffer(&body)
        return out
    }

    static func writeString(_ text: String, to buffer: inout ByteBuffer) {
        writeBytes(Array(text.utf8), to: &buffer)
    }

    static func writeBytes(_ bytes: [UInt8], to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt16(bytes.count))
        buffer.writeBytes(bytes)
    }

    static func connect(_ settings: MQTTSettings, password: [UInt8]?, allocator: ByteBufferAllocator) -> ByteBuffer {
        var body = allocator.buffer(capacity: 128)
        writeString("MQTT", to: &body)
        body.writeInteger(UInt8(4))  // protocol level 3.1.1
        var flags: UInt8 = 0x02  // clean session
        if settings.will != nil { flags |= 0x04 | (settings.will!.retain ? 0x20 : 0) }
        if settings.user != nil { flags |= 0x80 }
        if password != nil { flags |= 0x40 }
        body.writeInteger(flags)
        body.writeInteger(settings.keepAliveSeconds)
        writeString(settings.clientID, to: &body)
        if let will = settings.will {
            writeString(will.topic, to: &body)
            writeBytes(will.payload, to: &body)
        }
        if let user = settings.user { writeString(user, to: &body) }
        if let password { writeBytes(password, to: &body) }
        return frame(connect, body: body, allocator: allocator)
    }

    static func publish(topic: String, payload: [UInt8], retain: Bool, allocator: ByteBufferAllocator) -> ByteBuffer {
        var body = allocator.buffer(capacity: topic.utf8.count + payload.count + 2)
        writeString(topic, to: &body)
        body.writeBytes(payload)
        return frame(publish | (retain ? 0x01 : 0), body: body, allocator: allocator)
    }

    static func empty(_ header: UInt8, allocator: ByteBufferAllocator) -> ByteBuffer {
        frame(header, body: allocator.buffer(capacity: 0), allocator: allocator)
    }

    /// What a CONNACK's return code means, for the error a person reads.
    static func refusal(_ code: UInt8) -> String {
        switch code {
        case 1: "the broker does not speak MQTT 3.1.1"
        case 2: "the broker refused the client id"
        case 3: "the broker is unavailable"
        case 4: "the broker refused the user name or password ([mqtt] user, the credential facegate-mqtt-password)"
        case 5:
            "the broker did not authorise this client: check the user name or password ([mqtt] user, the credential facegate-mqtt-password) and the broker's ACL"
        default: "the broker refused the connection (code \(code))"
        }
    }
}

/// Splits the broker's bytes into packets: header and body.
struct MQTTFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = (header: UInt8, body: ByteBuffer)

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        var peek = buffer
        guard let header = peek.readInteger(as: UInt8.self) else { return .needMoreData }
        var length = 0
        var multiplier = 1
        while true {
            guard let byte = peek.readInteger(as: UInt8.self) else { return .needMoreData }
            length += Int(byte & 0x7F) * multiplier
            if byte & 0x80 == 0 { break }
            multiplier *= 128
            guard multiplier <= 128 * 128 * 128 else { throw MQTTError(.protocolError, "the broker sent a malformed packet length") }
        }
        guard length <= MQTTPacket.maximumInbound else {
            throw MQTTError(.protocolError, "the broker sent a packet of \(length) bytes to a client that subscribes to nothing")
        }
        guard let body = peek.readSlice(length: length) else { return .needMoreData }
        buffer = peek
        context.fireChannelRead(wrapInboundOut((header, body)))
        return .continue
    }
}
