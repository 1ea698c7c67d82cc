public import Foundation

/// A browser-like client of the venue console for end-to-end tests: real HTTP (curl),
/// cookies kept by hand so that tests see exactly what the server set, and the
/// session's CSRF token read from the pages as a browser's script would.
public final class ConsoleClient: @unchecked Sendable {
    public struct Reply: Sendable {
        public var status: Int
        /// Header names lower-cased; a repeated header keeps its last value, but
        /// `setCookies` keeps every `Set-Cookie`.
        public var headers: [String: String]
        public var setCookies: [String]
        public var body: Data
        public var text: String { String(decoding: body, as: UTF8.self) }
        public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        public var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    }

    public let base: String
    public var cookies: [String: String] = [:]
    public var csrf: String?
    public var bearer: String?

    public init(base: String, bearer: String? = nil) {
        self.base = base
        self.bearer = bearer
    }

    /// One request; `body` is sent as is with `contentType`.
    public func request(
        _ method: String, _ path: String, body: Data? = nil, contentType: String? = nil, headers extra: [String: String] = [:]
    ) throws -> Reply {
        var arguments = ["-sS", "-i", "-X", method, "--max-time", "120", "-H", "Expect:"]
        var headers = extra
        if let contentType { headers["Content-Type"] = contentType }
        if let bearer { headers["Authorization"] = "Bearer " + bearer }
        if !cookies.isEmpty { headers["Cookie"] = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ") }
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { arguments += ["-H", "\(name): \(value)"] }
        if body != nil { arguments += ["--data-binary", "@-"] }
        arguments.append(base + path)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = arguments
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let writer = Thread { [body] in
            if let body { input.fileHandleForWriting.write(body) }
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw NSError(
                domain: "console-client", code: Int(process.terminationStatus), userInfo: [NSLocalizedDescriptionKey: "curl: \(message)"])
        }
        return Self.parse(data, into: self)
    }

    private static func parse(_ data: Data, into client: ConsoleClient) -> Reply {
        let separator = Data("\r\n\r\n".utf8)
        let split = data.range(of: separator)
        let head = String(decoding: data[..<(split?.lowerBound ?? data.endIndex)], as: UTF8.self)
        let body = split.map { Data(data[$0.upperBound...]) } ?? Data()
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        var reply = Reply(status: statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0, headers: [:], setCookies: [], body: body)
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            reply.headers[name] = value
            if name == "set-cookie" {
                reply.setCookies.append(value)
                let pair = value.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let cookieName = String(pair[0])
                let cookieValue = pair.count > 1 ? String(pair[1]) : ""
                if cookieValue.isEmpty || value.contains("Max-Age=0") {
                    client.cookies[cookieName] = nil
                } else {
                    client.cookies[cookieName] = cookieValue
                }
            }
        }
        return reply
    }

    /// Signs in through the form, as a browser does; returns the form's reply (303 when
    /// it worked) and keeps the session cookie and CSRF token.
    @discardableResult
    public func signIn(_ name: String, _ password: String) throws -> Reply {
        try submitSignIn(name, password, token: try openSignInForm())
    }

    /// Opens the sign-in form (its CSRF cookie kept) and returns the form's token: the
    /// first half of `signIn`, so that a test can send many sign-ins at once.
    public func openSignInForm() throws -> String {
        Self.hiddenCSRF(in: try request("GET", "/login").text) ?? ""
    }

    /// Posts the sign-in form with `token` (from `openSignInForm`).
    @discardableResult
    public func submitSignIn(_ name: String, _ password: String, token: String) throws -> Reply {
        let body = "csrf=\(token)&name=\(Self.formEncode(name))&password=\(Self.formEncode(password))"
        let reply = try request("POST", "/login", body: Data(body.utf8), contentType: "application/x-www-form-urlencoded")
        if reply.status == 303 {
            let landing = try request("GET", reply.headers["location"] ?? "/identify")
            csrf = Self.metaCSRF(in: landing.text)
        }
        return reply
    }

    /// A multipart body and its content type.
    public static func multipart(fields: [(String, String)] = [], files: [(field: String, filename: String, type: String, data: Data)] = [])
        -> (Data, String)
    {
        let boundary = "fgtest" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        var body = Data()
        for (name, value) in fields {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        for file in files {
            body.append(
                Data(
                    "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.field)\"; filename=\"\(file.filename)\"\r\nContent-Type: \(file.type)\r\n\r\n"
                        .utf8))
            body.append(file.data)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return (body, "multipart/form-data; boundary=\(boundary)")
    }

    public static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    static func hiddenCSRF(in html: String) -> String? { capture(html, after: "name=\"csrf\" value=\"") }
    static func metaCSRF(in html: String) -> String? {
        capture(html, after: "<meta name=\"csrf\" content=\"").flatMap { $0.isEmpty ? nil : $0 }
    }

    private static func capture(_ text: String, after marker: String) -> String? {
        guard let start = text.range(of: marker) else { return nil }
        let rest = text[start.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}
