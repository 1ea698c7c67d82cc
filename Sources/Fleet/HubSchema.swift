/// The hub's tables, created by `fleet init` (idempotent). Everything a door can read
/// back is either a pseudonym, a time, a door's name, a reason from a fixed list, or
/// `sealed`: a subject's copy sealed with the fleet key, which never reaches the hub.
///
/// - `fleet_meta`: the fleet's identifier, and a constant sealed with the fleet key
///   (a door with another key is refused before it writes anything).
/// - `fleet_door`: the doors, their last contact and how far they have applied.
/// - `fleet_join_token`: SHA-256 digests of one-time join tokens.
/// - `fleet_subject`, `fleet_erasure`: the membership and the erasure log, numbered
///   from one sequence. An erasure deletes the subject's row in the same transaction,
///   and a subject whose pseudonym is in the erasure log can never be inserted again:
///   the erasure log is the source of truth, and doors re-give their journals to it.
/// - `fleet_withdrawal`: purposes withdrawn from subjects who stay members (a partial
///   withdrawal), numbered from the same sequence; the purpose is a name from the
///   policy's list, never free text.
/// - `fleet_refusal`: enrolments the hub refused (the same face already a member),
///   for the admin of the door that made them.
/// - `fleet_audit`, `fleet_audit_key`: every door's audit chain, an entry (with the
///   checkpoints signed at it) per row, and the door's public key, both sealed with
///   the fleet key and bound to the door and the entry, for the DPO's fleet export.
///
/// Version 2 added the audit and withdrawal tables; a door adds them to a version-1 hub when it
/// connects (every statement is idempotent).
enum HubSchema {
    static let version = 2

    static let statements = [
        """
        CREATE TABLE IF NOT EXISTS fleet_meta (
            singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
            fleet_id text NOT NULL,
            key_check bytea NOT NULL,
            schema_version integer NOT NULL,
            created_at double precision NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS fleet_door (
            door_id text PRIMARY KEY,
            name text NOT NULL UNIQUE,
            joined_at double precision NOT NULL,
            last_seen_at double precision,
            cursor bigint NOT NULL DEFAULT 0)
        """,
        """
        CREATE TABLE IF NOT EXISTS fleet_join_token (
            token_sha256 bytea PRIMARY KEY,
            created_at double precision NOT NULL,
            expires_at double precision NOT NULL,
            used_by text)
        """,
        "CREATE SEQUENCE IF NOT EXISTS fleet_change_seq",
        """
        CREATE TABLE IF NOT EXISTS fleet_subject (
            subject text PRIMARY KEY,
            seq bigint NOT NULL,
            sealed bytea NOT NULL,
            origin_door text NOT NULL,
            enrolled_at double precision NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS fleet_subject_seq ON fleet_subject (seq)",
        """
        CREATE TABLE IF NOT EXISTS fleet_erasure (
            subject text PRIMARY KEY,
            seq bigint NOT NULL,
            reason text NOT NULL,
            origin_door text NOT NULL,
            erased_at double precision NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS fleet_erasure_seq ON fleet_erasure (seq)",
        """
        CREATE TABLE IF NOT EXISTS fleet_withdrawal (
            subject text NOT NULL,
            purpose text NOT NULL,
            seq bigint NOT NULL,
            origin_door text NOT NULL,
            withdrawn_at double precision NOT NULL,
            PRIMARY KEY (subject, purpose))
        """,
        "CREATE INDEX IF NOT EXISTS fleet_withdrawal_seq ON fleet_withdrawal (seq)",
        """
        CREATE TABLE IF NOT EXISTS fleet_refusal (
            subject text PRIMARY KEY,
            door_id text NOT NULL,
            duplicate_of text NOT NULL,
            refused_at double precision NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS fleet_audit (
            door_id text NOT NULL,
            seq bigint NOT NULL,
            sealed bytea NOT NULL,
            PRIMARY KEY (door_id, seq))
        """,
        """
        CREATE TABLE IF NOT EXISTS fleet_audit_key (
            door_id text PRIMARY KEY,
            sealed bytea NOT NULL)
        """,
    ]
}
