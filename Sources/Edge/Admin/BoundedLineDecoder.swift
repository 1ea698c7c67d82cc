package import NIOCore

/// Splits the byte stream into lines (without the newline), refusing any line longer
/// than `maxLength` as soon as that many bytes arrive without a newline.
package struct BoundedLineDecoder: ByteToMessageDecoder {
    package typealias InboundOut = ByteBuffer
    package let maxLength: Int

    package init(maxLength: Int) { self.maxLength = maxLength }

    package mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - buffer.readerIndex
            guard length <= maxLength else { throw LineTooLong() }
            var line = buffer.readSlice(length: length)!
            buffer.moveReaderIndex(forwardBy: 1)
            if line.readableBytesView.last == UInt8(ascii: "\r") {
                line = line.getSlice(at: line.readerIndex, length: line.readableBytes - 1)!
            }
            context.fireChannelRead(Self.wrapInboundOut(line))
            return .continue
        }
        guard buffer.readableBytes <= maxLength else { throw LineTooLong() }
        return .needMoreData
    }

    package mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A last line without a newline is still a request.
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 {
            guard buffer.readableBytes <= maxLength else { throw LineTooLong() }
            context.fireChannelRead(Self.wrapInboundOut(buffer.readSlice(length: buffer.readableBytes)!))
        }
        return .needMoreData
    }
}
