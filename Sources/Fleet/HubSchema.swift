/// The hub's tables, created by `fleet init` (idempotent). Everything a door can read
/// back is either a pseudonym, a time, a door's name, a reason from a fixed list, or
/// `sealed`: a subject's copy sealed with a key of its own, wrapped under one of the
/// fleet's key epochs (`fleet_copy_key`); no key reaches the hub in the clear.
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
/// - `fleet_rejection`: rows each door refused (forged, altered, replayed), by code,
///   for `fleet status`; each is also a `breach.detected` entry in that door's audit log.
///
/// Version 2 added the audit and withdrawal tables; a door adds them to a version-1 hub when it
/// connects (every statement is idempotent). Version 3 signs the rows doors act on
/// (`door_seq` and `proof`, see `SignedChange`), refuses unsigned new rows (a `NOT VALID`
/// check: rows from before the upgrade stay until a door that vouches for them signs
/// them), numbers every change on the hub itself, and gives each door a role of its own
/// (`doorRoleStatements`); `fleet_meta.signed_from` is the last sequence number given
/// before the upgrade.
///
/// Version 4 gives the copies key epochs (`FleetEpochs`): `fleet_epoch` lists the epochs
/// (each begun after the erasures up to `after_seq`; its key destroyed on every door at
/// `destroy_after`); `fleet_copy_key` holds each copy's own key wrapped under an epoch's,
/// deleted with the copy; a join token carries the current epoch's key sealed for the
/// token. `fleet_meta.epochs_random` is false for a fleet made before version 4, whose
/// first epoch is computed from the fleet key.
enum HubSchema {
    static let version = 4

    /// The group role every door's login role is a member of; the policies name it.
    static let doorGroup = "facegate_door"

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
        // Version 3.
        "ALTER TABLE fleet_meta ADD COLUMN IF NOT EXISTS signed_from bigint",
        "ALTER TABLE fleet_door ADD COLUMN IF NOT EXISTS role name",
        "CREATE UNIQUE INDEX IF NOT EXISTS fleet_door_role ON fleet_door (role)",
        "ALTER TABLE fleet_subject ADD COLUMN IF NOT EXISTS door_seq bigint, ADD COLUMN IF NOT EXISTS proof bytea",
        "ALTER TABLE fleet_erasure ADD COLUMN IF NOT EXISTS door_seq bigint, ADD COLUMN IF NOT EXISTS proof bytea",
        "ALTER TABLE fleet_withdrawal ADD COLUMN IF NOT EXISTS door_seq bigint, ADD COLUMN IF NOT EXISTS proof bytea",
        """
        CREATE TABLE IF NOT EXISTS fleet_rejection (
            door_id text NOT NULL,
            seq bigint NOT NULL,
            kind text NOT NULL,
            subject text NOT NULL,
            origin_door text NOT NULL,
            problem text NOT NULL,
            rejected_at double precision NOT NULL,
            PRIMARY KEY (door_id, seq, kind))
        """,
        // New rows must be signed; rows from before the upgrade are not checked (NOT VALID).
        """
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'fleet_subject_signed') THEN
                ALTER TABLE fleet_subject ADD CONSTRAINT fleet_subject_signed CHECK (proof IS NOT NULL AND door_seq IS NOT NULL) NOT VALID;
            END IF;
            IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'fleet_erasure_signed') THEN
                ALTER TABLE fleet_erasure ADD CONSTRAINT fleet_erasure_signed CHECK (proof IS NOT NULL AND door_seq IS NOT NULL) NOT VALID;
            END IF;
            IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'fleet_withdrawal_signed') THEN
                ALTER TABLE fleet_withdrawal ADD CONSTRAINT fleet_withdrawal_signed CHECK (proof IS NOT NULL AND door_seq IS NOT NULL)
                    NOT VALID;
            END IF;
        END $$
        """,
        // The hub numbers every change itself: a door's role cannot give a row a number
        // far ahead (every door's cursor would jump past the changes that follow) or
        // behind the others' cursors.
        """
        CREATE OR REPLACE FUNCTION fleet_number_change() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
        AS $$ BEGIN NEW.seq := nextval('fleet_change_seq'); RETURN NEW; END $$
        """,
        "CREATE OR REPLACE TRIGGER fleet_subject_number BEFORE INSERT OR UPDATE ON fleet_subject FOR EACH ROW EXECUTE FUNCTION fleet_number_change()",
        "CREATE OR REPLACE TRIGGER fleet_erasure_number BEFORE INSERT OR UPDATE ON fleet_erasure FOR EACH ROW EXECUTE FUNCTION fleet_number_change()",
        """
        CREATE OR REPLACE TRIGGER fleet_withdrawal_number BEFORE INSERT OR UPDATE ON fleet_withdrawal FOR EACH ROW
        EXECUTE FUNCTION fleet_number_change()
        """,
        // An erasure deletes the subject's copy whichever door enrolled it, although the
        // erasing door's role may delete only its own rows.
        """
        CREATE OR REPLACE FUNCTION fleet_erase_copy() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
        AS $$ BEGIN DELETE FROM fleet_subject WHERE subject = NEW.subject; RETURN NULL; END $$
        """,
        "CREATE OR REPLACE TRIGGER fleet_erasure_copy AFTER INSERT OR UPDATE ON fleet_erasure FOR EACH ROW EXECUTE FUNCTION fleet_erase_copy()",
        // Version 4.
        """
        CREATE TABLE IF NOT EXISTS fleet_epoch (
            epoch integer PRIMARY KEY CHECK (epoch > 0),
            after_seq bigint NOT NULL,
            begun_by text NOT NULL,
            begun_at double precision NOT NULL,
            destroy_after double precision)
        """,
        """
        CREATE TABLE IF NOT EXISTS fleet_copy_key (
            subject text PRIMARY KEY REFERENCES fleet_subject (subject) ON DELETE CASCADE,
            epoch integer NOT NULL,
            wrapped bytea NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS fleet_copy_key_epoch ON fleet_copy_key (epoch)",
        "ALTER TABLE fleet_meta ADD COLUMN IF NOT EXISTS epochs_random boolean NOT NULL DEFAULT false",
        "ALTER TABLE fleet_join_token ADD COLUMN IF NOT EXISTS epoch integer, ADD COLUMN IF NOT EXISTS sealed_epoch_key bytea",
        // A deadline only comes closer, whoever writes it.
        """
        CREATE OR REPLACE FUNCTION fleet_epoch_deadline() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
            IF OLD.destroy_after IS NOT NULL AND (NEW.destroy_after IS NULL OR NEW.destroy_after > OLD.destroy_after) THEN
                NEW.destroy_after := OLD.destroy_after;
            END IF;
            RETURN NEW;
        END $$
        """,
        "CREATE OR REPLACE TRIGGER fleet_epoch_deadline BEFORE UPDATE ON fleet_epoch FOR EACH ROW EXECUTE FUNCTION fleet_epoch_deadline()",
        // An erased subject's copy is never written again, by any statement.
        """
        CREATE OR REPLACE FUNCTION fleet_refuse_erased_copy() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
        AS $$ BEGIN
            IF EXISTS (SELECT 1 FROM fleet_erasure WHERE subject = NEW.subject) THEN RETURN NULL; END IF;
            RETURN NEW;
        END $$
        """,
        """
        CREATE OR REPLACE TRIGGER fleet_subject_not_erased BEFORE INSERT OR UPDATE ON fleet_subject FOR EACH ROW
        EXECUTE FUNCTION fleet_refuse_erased_copy()
        """,
        // The door a login role is (bound at `fleet join`, or by `fleet role`).
        """
        CREATE OR REPLACE FUNCTION fleet_door_of(role name) RETURNS text LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
        AS $$ SELECT door_id FROM fleet_door WHERE fleet_door.role = $1 $$
        """,
    ]

    /// Every table of the hub.
    static let tables = [
        "fleet_meta", "fleet_door", "fleet_join_token", "fleet_subject", "fleet_erasure", "fleet_withdrawal", "fleet_refusal",
        "fleet_audit", "fleet_audit_key", "fleet_rejection", "fleet_epoch", "fleet_copy_key",
    ]

    /// The doors' group role and its least rights, run by the tables' owner (`fleet init`,
    /// or a door connecting as the owner to an older hub). Row-level security on every
    /// table: a door's role reads everything (ciphertext, pseudonyms, numbers), inserts
    /// only rows of its own door, updates only its own door's sync record and audit key,
    /// the unsigned copies from before version 3 (to sign them, as itself) and an erasure
    /// or withdrawal row only to make it its own signed row of the same subject and
    /// purpose, deletes only its own copies, and cannot alter `fleet_meta` or the tables. The owner (and
    /// a superuser) is not bound by the policies: it is the operator's role, never a door's.
    static var doorRoleStatements: [String] {
        let group = doorGroup
        let mine = "fleet_door_of(current_user)"
        var statements = [
            """
            DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '\(group)') THEN CREATE ROLE \(group) NOLOGIN; END IF;
            END $$
            """,
            "GRANT SELECT ON \(tables.joined(separator: ", ")) TO \(group)",
            "GRANT INSERT ON \(tables.filter { $0 != "fleet_meta" }.joined(separator: ", ")) TO \(group)",
            "GRANT UPDATE (last_seen_at, cursor) ON fleet_door TO \(group)",
            "GRANT UPDATE (used_by, sealed_epoch_key) ON fleet_join_token TO \(group)",
            "GRANT UPDATE (destroy_after) ON fleet_epoch TO \(group)",
            "GRANT UPDATE (epoch, wrapped) ON fleet_copy_key TO \(group)",
            "GRANT UPDATE ON fleet_erasure, fleet_withdrawal, fleet_audit_key TO \(group)",
            // A copy's row: only what signing it again, or replacing its own, changes.
            "REVOKE UPDATE ON fleet_subject FROM \(group)",
            "GRANT UPDATE (sealed, origin_door, enrolled_at, door_seq, proof) ON fleet_subject TO \(group)",
            "GRANT DELETE ON fleet_subject TO \(group)",
            "GRANT USAGE ON SEQUENCE fleet_change_seq TO \(group)",
        ]
        var policies: [(table: String, name: String, command: String, rule: String)] = tables.map { ($0, "read", "SELECT", "USING (true)") }
        policies += [
            ("fleet_door", "join", "INSERT", "WITH CHECK (role = current_user)"),
            ("fleet_door", "sync", "UPDATE", "USING (role = current_user) WITH CHECK (role = current_user)"),
            ("fleet_join_token", "issue", "INSERT", "WITH CHECK (used_by IS NULL)"),
            ("fleet_join_token", "spend", "UPDATE", "USING (used_by IS NULL) WITH CHECK (true)"),
            ("fleet_subject", "delete", "DELETE", "USING (origin_door = \(mine))"),
            ("fleet_refusal", "write", "INSERT", "WITH CHECK (door_id = \(mine))"),
            ("fleet_rejection", "write", "INSERT", "WITH CHECK (door_id = \(mine))"),
            ("fleet_audit", "write", "INSERT", "WITH CHECK (door_id = \(mine))"),
            ("fleet_audit_key", "write", "INSERT", "WITH CHECK (door_id = \(mine))"),
            ("fleet_audit_key", "replace", "UPDATE", "USING (door_id = \(mine)) WITH CHECK (door_id = \(mine))"),
            ("fleet_epoch", "begin", "INSERT", "WITH CHECK (begun_by = \(mine))"),
            // Any door records a deadline (its statement only brings one closer, and each
            // door keeps its own record of them too).
            ("fleet_epoch", "deadline", "UPDATE", "USING (true) WITH CHECK (destroy_after IS NOT NULL)"),
            (
                "fleet_copy_key", "write", "INSERT",
                "WITH CHECK (EXISTS (SELECT 1 FROM fleet_subject s WHERE s.subject = fleet_copy_key.subject AND s.origin_door = \(mine)))"
            ),
            // Any door re-wraps any copy's key under a newer epoch: only a holder of the
            // epoch's key can make a value that opens, and a value that does not is skipped.
            ("fleet_copy_key", "rewrap", "UPDATE", "USING (true) WITH CHECK (true)"),
        ]
        for table in ["fleet_subject", "fleet_erasure", "fleet_withdrawal"] {
            policies.append((table, "write", "INSERT", "WITH CHECK (origin_door = \(mine))"))
            // A copy only over an unsigned one, or its own door's. An erasure or a withdrawal also over a row
            // that does not verify: its key (the subject; the subject and purpose) keeps its
            // meaning, and a forged row must not block the genuine one.
            // A door also replaces its own copy (photos added to the member there).
            let over = table == "fleet_subject" ? "proof IS NULL OR origin_door = \(mine)" : "true"
            policies.append((table, "sign", "UPDATE", "USING (\(over)) WITH CHECK (origin_door = \(mine) AND proof IS NOT NULL)"))
        }
        statements += tables.map { "ALTER TABLE \($0) ENABLE ROW LEVEL SECURITY" }
        for policy in policies {
            statements.append("DROP POLICY IF EXISTS door_\(policy.name) ON \(policy.table)")
            statements.append("CREATE POLICY door_\(policy.name) ON \(policy.table) FOR \(policy.command) TO \(group) \(policy.rule)")
        }
        return statements
    }
}
