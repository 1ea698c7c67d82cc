public import FaceEngine
public import FacegateCore
public import Vault

/// A command's `args` object, read with errors that name the command and the argument
/// (`invalid_request`, exit 64): how `AdminCommand` decodes what a client sent.
public struct AdminArguments: Sendable {
    public let command: String
    public let object: JSONObject

    public init(command: String, _ object: JSONObject) {
        self.command = command
        self.object = object
    }

    public subscript(name: String) -> JSONValue? { object[name] }

    public func string(_ name: String) throws(AdminError) -> String {
        guard let value = object[name]?.stringValue, !value.isEmpty else {
            throw AdminError(.invalidRequest, "'\(command)' needs the argument '\(name)' (a string)")
        }
        return try withoutNUL(value, name)
    }

    public func optionalString(_ name: String) throws(AdminError) -> String? {
        guard let value = object[name], value != .null else { return nil }
        guard let text = value.stringValue else { throw AdminError(.invalidRequest, "'\(command)': '\(name)' must be a string") }
        return try withoutNUL(text, name)
    }

    public func strings(_ name: String) throws(AdminError) -> [String]? {
        guard let value = object[name], value != .null else { return nil }
        guard let array = value.arrayValue, array.allSatisfy({ $0.stringValue != nil }) else {
            throw AdminError(.invalidRequest, "'\(command)': '\(name)' must be a list of strings")
        }
        for text in array.compactMap(\.stringValue) { _ = try withoutNUL(text, name) }
        return array.compactMap(\.stringValue)
    }

    /// SQLite reads a bound string up to its first NUL (GRDB binds text with length
    /// -1): "ana\0x" would look up "ana" while everything else saw another name. No
    /// argument that may reach SQL carries one.
    private func withoutNUL(_ text: String, _ name: String) throws(AdminError) -> String {
        guard !text.utf8.contains(0) else {
            throw AdminError(.invalidRequest, "'\(command)': '\(name)' holds a NUL character; send it without")
        }
        return text
    }

    public func bool(_ name: String, default fallback: Bool = false) throws(AdminError) -> Bool {
        guard let value = object[name], value != .null else { return fallback }
        guard let flag = value.boolValue else { throw AdminError(.invalidRequest, "'\(command)': '\(name)' must be true or false") }
        return flag
    }

    /// The face detector for a command's photos (`detector`: hog, cnn or auto; auto
    /// when absent).
    public func detector() throws(AdminError) -> DetectionOptions.Detector {
        guard let text = try optionalString("detector") else { return .auto }
        guard let detector = DetectionOptions.Detector(rawValue: text) else {
            throw AdminError(.invalidRequest, "'\(command)': 'detector' must be hog, cnn or auto")
        }
        return detector
    }

    /// A subject pseudonym argument, checked for shape before anything is looked up.
    public func subject(_ name: String = "subject") throws(AdminError) -> SubjectID {
        try Self.subject(parsing: try string(name))
    }

    public func optionalSubject(_ name: String = "subject") throws(AdminError) -> SubjectID? {
        guard let text = try optionalString(name) else { return nil }
        return try Self.subject(parsing: text)
    }

    /// A pseudonym as `facegate subjects` prints it; the one check every front door uses.
    public static func subject(parsing text: String) throws(AdminError) -> SubjectID {
        guard let id = SubjectID(text) else {
            throw AdminError(.invalidRequest, "'\(text)' is not a subject id (32 hex digits, as `facegate subjects` prints them)")
        }
        return id
    }
}
