import Consent
import FacegateCore
import Logging
import Mustache

/// The console's HTML: Mustache templates compiled into the binary (no file to find
/// at run time, nothing fetched), each page rendered into one layout. Values are
/// escaped by Mustache (`{{…}}`); only the notice's own rendering is inserted raw.
struct ConsolePages: Sendable {
    private let library: MustacheLibrary

    init() throws {
        var library = MustacheLibrary()
        for (name, text) in ConsoleTemplates.all { try library.register(text, named: name) }
        self.library = library
    }

    /// Page `name` with `values`, in the layout (title, navigation for `account`'s role).
    func render(_ name: String, _ values: [String: Any], account: ConsoleAccount?, csrf: String? = nil) -> String {
        let body = library.render(Self.neutralised(values), withTemplate: name) ?? ""
        var layout: [String: Any] = ["content": body, "title": ConsoleTemplates.titles[name] ?? "facegate", "csrf": csrf ?? ""]
        if let account {
            layout["account"] = ["name": account.name, "role": account.role.rawValue]
            layout["nav"] = Self.navigation(for: account.role).map { ["href": $0.0, "label": $0.1, "current": $0.2 == name] }
        }
        return library.render(layout, withTemplate: "layout") ?? body
    }

    /// Every string in a page's values with its text-direction and control characters
    /// made visible (`DisplayText`): names, fields, notes and reasons come from people.
    static func neutralised(_ value: Any) -> Any {
        switch value {
        case let text as String: DisplayText.neutralised(text)
        case let object as [String: Any]: object.mapValues(neutralised)
        case let array as [Any]: array.map(neutralised)
        default: value
        }
    }

    static func neutralised(_ values: [String: Any]) -> [String: Any] { values.mapValues(neutralised) }

    /// The pages a role can use, in order.
    static func navigation(for role: ConsoleRole) -> [(String, String, String)] {
        switch role {
        case .staff: [("/door", "Door", "door"), ("/identify", "Identify", "identify")]
        case .admin:
            [
                ("/door", "Door", "door"), ("/identify", "Identify", "identify"), ("/enrol", "Enrol", "enrol"),
                ("/members", "Members", "members"), ("/denylist", "Deny-list", "denylist"), ("/stats", "Statistics", "stats"),
                ("/health", "Health", "health"),
            ]
        case .dpo:
            [
                ("/dpo", "Data protection", "dpo"), ("/members", "Members", "members"), ("/stats", "Statistics", "stats"),
                ("/health", "Health", "health"),
            ]
        }
    }
}
