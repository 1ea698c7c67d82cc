import Consent
public import FacegateCore
public import Vault

extension ApplianceOperations {
    public func subjects(caller: Caller, includeNames: Bool) throws -> JSONValue {
        if includeNames && !seesNames(caller) {
            throw OperationError(.notPermitted, "only root or members of '\(policy.appliance.adminGroup)' may list names")
        }
        let listing = try registry.subjects()
        if includeNames {
            try registry.recordAudit(actor: caller.actor, action: "subjects.list_names", details: ["subjects": .int(listing.count)])
        }
        return [
            "subjects": .array(
                try listing.map { entry in
                    var object: JSONObject = [
                        "subject": .string(entry.subject.rawValue), "expires_at": .string(Timestamp.iso8601(entry.expiresAt)),
                        "purposes": .array(entry.purposes.map(JSONValue.string)),
                    ]
                    if includeNames {
                        object["name"] = .string(DisplayText.neutralised(try registry.vault.profile(of: entry.subject).displayName))
                    }
                    return .object(object)
                })
        ]
    }

    public func withdraw(_ subject: SubjectID, purposes: [String]?, caller: Caller) throws -> JSONValue {
        let credential = try? registry.panelCredentials.existing(of: subject)
        let result = try registry.withdraw(subject, purposes: purposes, actor: caller.actor)
        var answer: JSONObject = [
            "subject": .string(subject.rawValue), "withdrawn": .array(result.withdrawnPurposes.map(JSONValue.string)),
            "erased": .bool(result.erased), "remaining_purposes": .array(result.remainingPurposes.map(JSONValue.string)),
        ]
        if result.erased, let credential { answer["panel_credential"] = credential.json }
        return .object(answer)
    }

    /// Erases a member. The answer names their panel credential, read before the erasure
    /// made it unreadable: the venue removes it from its access panel, which facegate
    /// cannot do (the panel keeps its own list of cards).
    public func erase(_ subject: SubjectID, caller: Caller) throws -> JSONValue {
        let credential = try? registry.panelCredentials.existing(of: subject)
        try registry.erase(subject, reason: .request, actor: caller.actor)
        var answer: JSONObject = ["subject": .string(subject.rawValue), "erased": true]
        if let credential { answer["panel_credential"] = credential.json }
        return .object(answer)
    }

    public func purge(caller: Caller) throws -> JSONValue {
        try registry.sweep(actor: caller.actor).json
    }

    /// Reloads the policy file the appliance was started with (validated first; a bad
    /// file changes nothing).
    public func reloadPolicy(caller: Caller) throws -> JSONValue {
        let fresh = try Policy.load(path: policy.sourcePath)
        // The running door was built with the recognition settings (the trigger, the
        // zone, the thresholds): a record of processing must not describe a trigger
        // the door does not run, so such a change waits for a restart.
        if servesDoor, fresh.recognition != policy.recognition {
            throw OperationError(
                .restartRequired,
                "the policy's [recognition] section changed (trigger \"\(fresh.recognition.trigger.rawValue)\", was \"\(policy.recognition.trigger.rawValue)\"); the running door applies it only at start: restart it (systemctl restart facegate). Nothing was reloaded"
            )
        }
        // The panel link, the card reader and the feed hold their device, key and broker
        // from the start; a new format or facility would issue credentials the running
        // link does not describe.
        if servesDoor, fresh.osdp != policy.osdp || fresh.osdpReader != policy.osdpReader || fresh.mqtt != policy.mqtt {
            throw OperationError(
                .restartRequired,
                "the policy's [osdp] or [mqtt] section changed; the running door applies it only at start: restart it (systemctl restart facegate). Nothing was reloaded"
            )
        }
        try registry.reload(policy: fresh, actor: caller.actor)
        return ["policy": .string(fresh.sourcePath), "deny_list": .string(registry.denyList.isEnabled ? "enabled" : "disabled")]
    }
}
