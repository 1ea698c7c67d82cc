internal import CDlibFace

extension FaceEngineError.Code {
    init(shimStatus status: Int32) {
        switch status {
        case Int32(FG_E_ARGUMENT): self = .invalidArgument
        case Int32(FG_E_DECODE): self = .invalidImage
        case Int32(FG_E_MODEL): self = .invalidModel
        case Int32(FG_E_MEMORY): self = .outOfMemory
        case Int32(FG_E_TOO_LARGE): self = .imageTooLarge
        default: self = .internalFailure
        }
    }
}

extension fg_error {
    /// The shim's message as a Swift string.
    var text: String {
        withUnsafeBytes(of: message) { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            let end = bytes.firstIndex(of: 0) ?? bytes.count
            // dlib's messages span lines; a log line or a JSON error wants one.
            return String(decoding: bytes[..<end], as: UTF8.self)
                .split(whereSeparator: \.isNewline)
                .map { $0.trimmingPrefix(while: \.isWhitespace) }
                .filter { !$0.isEmpty }
                .joined(separator: "; ")
        }
    }
}

extension FaceEngineError {
    init(status: Int32, _ error: fg_error, context: String) {
        self.init(Code(shimStatus: status), "\(context): \(error.text)")
    }
}
