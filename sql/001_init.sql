-- 001: users, the owners of servers.
-- Ids are UUIDv7 text (time-ordered, so keyset pages follow creation order).
-- Email is lower-cased by the application; phone numbers are domestic
-- digits only (research/solapi.md section 8), enforced here as well.
CREATE TABLE IF NOT EXISTS users (
    id               CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    email            VARCHAR(254) NOT NULL,
    phone_number     VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    external_auth_id VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NULL,
    created_at       DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at       DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY uq_users_email (email),
    UNIQUE KEY uq_users_external_auth_id (external_auth_id),
    CONSTRAINT ck_users_id CHECK (id REGEXP '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'),
    CONSTRAINT ck_users_email CHECK (email = LOWER(email) AND email LIKE '_%@_%._%'),
    CONSTRAINT ck_users_phone CHECK (phone_number REGEXP '^0[0-9]{8,10}$')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
