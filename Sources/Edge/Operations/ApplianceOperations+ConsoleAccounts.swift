public import Consent
public import FacegateCore

/// The web console's accounts and tokens, managed from the device (root or the admin
/// group, never from the console). A password is lent to the registry without a copy
/// and wiped with the command; a token is in the result once and nowhere else.
extension ApplianceOperations {
    public func addConsoleUser(_ name: String, role: ConsoleRole, person: String, password: SecretBytes, caller: Caller) throws -> JSONValue
    {
        try password.withBytes { try registry.accounts.add(name, role: role, person: person, password: $0, actor: caller.actor) }
        return ["account": .string(name), "role": .string(role.rawValue), "person": .string(person)]
    }

    public func removeConsoleUser(_ name: String, caller: Caller) throws -> JSONValue {
        try registry.accounts.remove(name, actor: caller.actor)
        return ["account": .string(name), "removed": true]
    }

    public func setConsolePassword(_ name: String, password: SecretBytes, caller: Caller) throws -> JSONValue {
        try password.withBytes { try registry.accounts.setPassword(name, password: $0, actor: caller.actor) }
        return ["account": .string(name), "password": "set"]
    }

    public func setConsoleRole(_ name: String, role: ConsoleRole, caller: Caller) throws -> JSONValue {
        try registry.accounts.setRole(name, role: role, actor: caller.actor)
        return ["account": .string(name), "role": .string(role.rawValue)]
    }

    /// `{"accounts":[{"name","role","created_at","live_tokens","token_ids"}]}`: never a hash or a token.
    public func consoleUsers() throws -> JSONValue {
        [
            "accounts": .array(
                try registry.accounts.list().map { account in
                    [
                        "name": .string(account.name), "role": .string(account.role.rawValue),
                        "person": .string(DisplayText.neutralised(account.origin.person)), "created_by": .string(account.origin.createdBy),
                        "created_at": .string(Timestamp.iso8601(account.createdAt)), "live_tokens": .int(account.liveTokens),
                        "token_ids": .array(account.liveTokenIDs.map(JSONValue.string)),
                    ]
                })
        ]
    }

    /// `{"account","role","token_id","token"}`: the only time the token is shown.
    public func addConsoleToken(_ name: String, role: ConsoleRole?, caller: Caller) throws -> JSONValue {
        let issued = try registry.accounts.addToken(account: name, role: role, actor: caller.actor)
        let granted = try role ?? registry.accounts.list().first { $0.name == name }?.role
        return [
            "account": .string(name), "role": granted.map { .string($0.rawValue) } ?? .null, "token_id": .string(issued.id),
            "token": .string(issued.token),
        ]
    }

    public func revokeConsoleToken(_ id: String, caller: Caller) throws -> JSONValue {
        try registry.accounts.revokeToken(id, actor: caller.actor)
        return ["token_id": .string(id), "revoked": true]
    }
}
