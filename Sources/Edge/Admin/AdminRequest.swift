public import FacegateCore
public import Vault

/// One admin command, as the socket protocol carries it and the CLI builds it:
/// `{"v":1,"id":"…","cmd":"erase","args":{"subject":"…"}}`.
public struct AdminRequest: Sendable {
    public static let protocolVersion = 1

    public var id: String
    public var command: String
    public var arguments: JSONObject
    /// Images that came with the request (uploaded over the socket, or files named on
    /// the command line). Never written anywhere.
    public var images: [ImageSource]

    public init(id: String = "1", command: String, arguments: JSONObject = [:], images: [ImageSource] = []) {
        self.id = id
        self.command = command
        self.arguments = arguments
        self.images = images
    }

    // Typed access to arguments, with errors that name the argument.

    public func string(_ name: String) throws -> String {
        guard let value = arguments[name]?.stringValue, !value.isEmpty else {
            throw AdminError(.invalidRequest, "'\(command)' needs the argument '\(name)' (a string)")
        }
        return value
    }

    public func optionalString(_ name: String) throws -> String? {
        guard let value = arguments[name], value != .null else { return nil }
        guard let text = value.stringValue else { throw AdminError(.invalidRequest, "'\(command)': '\(name)' must be a string") }
        return text
    }

    public func strings(_ name: String) throws -> [String]? {
        guard let value = arguments[name], value != .null else { return nil }
        guard let array = value.arrayValue, array.allSatisfy({ $0.stringValue != nil }) else {
            throw AdminError(.invalidRequest, "'\(command)': '\(name)' must be a list of strings")
        }
        return array.compactMap(\.stringValue)
    }

    public func bool(_ name: String, default fallback: Bool = false) throws -> Bool {
        guard let value = arguments[name], value != .null else { return fallback }
        guard let flag = value.boolValue else { throw AdminError(.invalidRequest, "'\(command)': '\(name)' must be true or false") }
        return flag
    }

    /// A subject pseudonym argument, checked for shape before anything is looked up.
    public func subject(_ name: String = "subject") throws -> SubjectID {
        let text = try string(name)
        return try Self.parseSubject(text)
    }

    public func optionalSubject(_ name: String = "subject") throws -> SubjectID? {
        try optionalString(name).map(Self.parseSubject)
    }

    private static func parseSubject(_ text: String) throws -> SubjectID {
        guard let id = SubjectID(text) else {
            throw AdminError(.invalidRequest, "'\(text)' is not a subject id (32 hex digits, as `facegate subjects` prints them)")
        }
        return id
    }
}

/// A protocol-level failure: a malformed or unknown request, a refused caller.
public struct AdminError: Error, Sendable, UserFacingError {
    public enum Code: String, Sendable, CaseIterable {
        case invalidRequest = "invalid_request"
        case unknownCommand = "unknown_command"
        case notPermitted = "not_permitted"
        case unsupportedVersion = "unsupported_version"
        case tooLarge = "too_large"
        case busy = "busy"
        case unavailable = "unavailable"
        /// Another daemon already listens on the socket path.
        case socketInUse = "socket_in_use"
        /// The daemon reached serves another state directory than the caller meant.
        case otherStateDirectory = "other_state_directory"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var errorCode: String { code.rawValue }

    public var exitStatus: ExitStatus {
        switch code {
        case .invalidRequest, .unknownCommand, .unsupportedVersion, .tooLarge: .usage
        case .notPermitted: .noPermission
        case .busy, .socketInUse: .temporaryFailure
        case .unavailable, .otherStateDirectory: .unavailable
        }
    }
}
