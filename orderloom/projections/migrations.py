"""The read model's tables, as numbered migrations applied once per schema.

Listing is newest first with a keyset on ``(started_at, execution_id)``, so every filter the
console and CLI offer has an index that ends in those two columns: a page of 50 reads 50
index entries, however many executions there are. The words of an execution's input have a
table of their own: an execution's row changes at every step, and each change of a row
writes a new entry in each of its indexes, which for a GIN index means extracting every word
of the input again.
"""

from __future__ import annotations

from typing import Any, LiteralString

import psycopg

_LOCK_KEY = 0x6F726465726C6F6F  # one migrator at a time, in any schema of the database

MIGRATIONS: list[tuple[int, str, LiteralString]] = [
    (
        1,
        "executions read model",
        """
        CREATE TABLE executions (
            execution_id   text PRIMARY KEY,
            workflow       text NOT NULL,
            correlation_id text NOT NULL,
            status         text NOT NULL,
            current_state  text,
            error          text,
            cause          text,
            failed_state   text,
            input          jsonb,
            output         jsonb,
            redrive_count  integer NOT NULL DEFAULT 0,
            started_at     timestamptz NOT NULL,
            updated_at     timestamptz NOT NULL,
            stopped_at     timestamptz,
            last_event_id  bigint NOT NULL,
            history_count  integer NOT NULL,
            open_fanout    text,
            fanout_depth   integer NOT NULL DEFAULT 0
        );
        CREATE INDEX executions_by_start
            ON executions (started_at DESC, execution_id DESC);
        CREATE INDEX executions_by_status
            ON executions (status, started_at DESC, execution_id DESC);
        CREATE INDEX executions_by_workflow
            ON executions (workflow, started_at DESC, execution_id DESC);
        CREATE INDEX executions_by_workflow_status
            ON executions (workflow, status, started_at DESC, execution_id DESC);
        CREATE INDEX executions_by_error
            ON executions (error, started_at DESC, execution_id DESC) WHERE error IS NOT NULL;
        CREATE INDEX executions_by_state
            ON executions (current_state, started_at DESC, execution_id DESC);
        CREATE INDEX executions_by_correlation
            ON executions (correlation_id, started_at DESC, execution_id DESC);

        CREATE TABLE execution_history (
            execution_id text NOT NULL,
            event_id     bigint NOT NULL,
            event_type   text NOT NULL,
            state_name   text,
            timestamp    timestamptz NOT NULL,
            details      jsonb NOT NULL,
            PRIMARY KEY (execution_id, event_id)
        );

        CREATE TABLE projection_offsets (
            projection  text NOT NULL,
            topic       text NOT NULL,
            partition   integer NOT NULL,
            next_offset bigint NOT NULL,
            PRIMARY KEY (projection, topic, partition)
        );
        """,
    ),
    (
        2,
        "console: users, API tokens, sessions, audit log, definitions, free-text search",
        """
        CREATE TABLE console_users (
            username      text PRIMARY KEY,
            role          text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
            password_hash text NOT NULL,
            disabled      boolean NOT NULL DEFAULT false,
            created_at    timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE api_tokens (
            token_id      text PRIMARY KEY,
            name          text NOT NULL,
            role          text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
            secret_sha256 bytea NOT NULL,
            created_by    text NOT NULL,
            created_at    timestamptz NOT NULL DEFAULT now(),
            revoked_at    timestamptz
        );
        CREATE TABLE console_sessions (
            session_sha256 bytea PRIMARY KEY,
            username       text NOT NULL REFERENCES console_users ON DELETE CASCADE,
            csrf_token     text NOT NULL,
            expires_at     timestamptz NOT NULL
        );

        CREATE TABLE audit_log (
            audit_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            at       timestamptz NOT NULL DEFAULT now(),
            actor    text NOT NULL,
            role     text NOT NULL,
            action   text NOT NULL,
            target   text,
            reason   text,
            filter   jsonb,
            count    integer,
            before   jsonb,
            after    jsonb
        );
        CREATE INDEX audit_log_by_target ON audit_log (target, audit_id DESC);
        CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
        CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
            FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

        CREATE TABLE redrive_requests (
            execution_id  text NOT NULL,
            redrive_count integer NOT NULL,
            audit_id      bigint NOT NULL REFERENCES audit_log,
            PRIMARY KEY (execution_id, redrive_count)
        );

        CREATE TABLE workflow_definitions (
            digest     text PRIMARY KEY,
            workflow   text NOT NULL,
            definition jsonb NOT NULL,
            first_seen timestamptz NOT NULL
        );
        CREATE TABLE execution_definitions (
            execution_id text PRIMARY KEY,
            digest       text NOT NULL
        );

        CREATE INDEX executions_by_input_words ON executions
            USING gin (jsonb_to_tsvector('simple'::regconfig, input, '["string", "numeric"]'));
        """,
    ),
    (
        3,
        "free-text words in a table of their own, written once per execution",
        """
        CREATE TABLE execution_words (
            execution_id text PRIMARY KEY REFERENCES executions ON DELETE CASCADE,
            words        tsvector NOT NULL
        );
        CREATE INDEX execution_words_gin ON execution_words USING gin (words);
        INSERT INTO execution_words (execution_id, words)
            SELECT execution_id,
                   jsonb_to_tsvector('simple'::regconfig, input, '["string", "numeric"]')
            FROM executions WHERE input IS NOT NULL;
        DROP INDEX executions_by_input_words;
        """,
    ),
    (
        4,
        "history details kept as the runner wrote them",
        """
        ALTER TABLE execution_history ALTER COLUMN details TYPE json USING details::json;
        """,
    ),
]


def migrate(conn: psycopg.Connection[Any]) -> list[int]:
    """Apply the migrations this schema lacks, in one transaction; the versions applied."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   version    integer PRIMARY KEY,
                   name       text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        done = {v for (v,) in conn.execute("SELECT version FROM schema_migrations").fetchall()}
        applied: list[int] = []
        for version, name, ddl in MIGRATIONS:
            if version in done:
                continue
            conn.execute(ddl)
            conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (version, name)
            )
            applied.append(version)
    return applied
