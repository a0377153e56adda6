-- 003: the SMS outbox.  A notice is written in the same transaction as the
-- state change it reports, then delivered by vh_notify_deliver() (lib/notify.c)
-- through SOLAPI.  The unique dedupe key makes enqueueing the same notice
-- twice a no-op; the claim columns make delivery safe from several processes.
-- States: pending -> sending (claimed by one deliverer, request in flight)
-- -> sent | failed, or back to pending with a later next_attempt_at.
CREATE TABLE IF NOT EXISTS notifications (
    id                  CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_id             CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    -- The number at enqueue time: a later phone change does not redirect a
    -- notice about something that already happened.
    phone               VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    -- No foreign key yet: the servers table arrives with the server
    -- lifecycle issue, which adds fk_notifications_server.
    server_id           CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL,
    kind                VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    dedupe_key          VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    msg_type            CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    subject             VARCHAR(40) NULL,
    body                VARCHAR(2000) NOT NULL,
    state               VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'pending',
    attempts            INT UNSIGNED NOT NULL DEFAULT 0,
    next_attempt_at     DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    claim_token         CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL,
    claimed_at          DATETIME(6) NULL,
    provider_group_id   VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
    provider_message_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
    provider_status     VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NULL,
    last_error          VARCHAR(512) NULL,
    sent_at             DATETIME(6) NULL,
    created_at          DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at          DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY uq_notifications_dedupe (dedupe_key),
    -- The claim scans: all due notices, or one user's.
    KEY ix_notifications_due (state, next_attempt_at),
    KEY ix_notifications_user_due (user_id, state, next_attempt_at),
    KEY ix_notifications_server (server_id),
    CONSTRAINT fk_notifications_user FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT ck_notifications_id CHECK (id REGEXP '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'),
    CONSTRAINT ck_notifications_server CHECK (server_id IS NULL OR server_id REGEXP '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'),
    CONSTRAINT ck_notifications_phone CHECK (phone REGEXP '^0[0-9]{8,10}$'),
    CONSTRAINT ck_notifications_kind CHECK (kind IN ('server_ready', 'expiry_warning', 'expired_stopped', 'password_reset')),
    CONSTRAINT ck_notifications_dedupe CHECK (dedupe_key <> ''),
    CONSTRAINT ck_notifications_type CHECK (msg_type IN ('SMS', 'LMS')),
    CONSTRAINT ck_notifications_subject CHECK (subject IS NULL OR msg_type = 'LMS'),
    CONSTRAINT ck_notifications_state CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    CONSTRAINT ck_notifications_claim CHECK (state <> 'sending' OR (claim_token IS NOT NULL AND claimed_at IS NOT NULL)),
    CONSTRAINT ck_notifications_sent CHECK (state <> 'sent' OR sent_at IS NOT NULL),
    CONSTRAINT ck_notifications_attempts CHECK (attempts <= 1000)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
