public import FacegateCore

/// Who ran the command an audit entry records, beyond the actor's name: the OS user's
/// uid, or the console account's role. The admin dispatcher binds it around a command,
/// and every entry the command writes carries it as `by`: a command that audits itself
/// needs no second, generic `admin.command` entry for the same action (one console erase
/// click is one entry).
public enum AuditAttribution {
    @TaskLocal public static var current: JSONObject?
}
