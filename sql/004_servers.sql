-- 004: servers and the work done on them: jobs (run by vibehost-worker),
-- server_events (the story of each server), upgrades applied, and
-- idempotency keys for POST /servers.  Also the foreign keys 002 and 003
-- had to leave out because servers did not exist yet.

CREATE TABLE IF NOT EXISTS servers (
    id                CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    owner_id          CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    name              VARCHAR(64) NOT NULL,
    plan              VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    location          VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    os_template       VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
    -- Chosen by the provisioning job (plan pin, else the emptiest node).
    -- No foreign key: the host may be the environment's PROXMOX_* host
    -- "default", which has no row, and hosts.c refuses to delete a host that
    -- live servers use.
    proxmox_host_id   VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
    proxmox_node      VARCHAR(64) NULL,
    vmid              INT UNSIGNED NULL,
    -- The specs the customer pays for: the plan's plus applied upgrades.
    vcpu              INT UNSIGNED NOT NULL,
    memory_mb         INT UNSIGNED NOT NULL,
    disk_gb           INT UNSIGNED NOT NULL,
    gpu_count         INT UNSIGNED NOT NULL DEFAULT 0,
    disk_storage      VARCHAR(64) NULL,
    primary_ip        VARCHAR(45) CHARACTER SET ascii COLLATE ascii_bin NULL,
    ipv6              VARCHAR(45) CHARACTER SET ascii COLLATE ascii_bin NULL,
    ssh_keys          TEXT NULL,
    expire_in_days    INT UNSIGNED NOT NULL,
    expire_at         DATETIME(6) NOT NULL,
    -- provisioning -> active <-> expired -> deleting -> deleted,
    -- provisioning -> rolled_back | failed, and lost when the VM vanished.
    status            VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'provisioning',
    status_reason     VARCHAR(1000) NULL,
    power_state       VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'unknown',
    power_checked_at  DATETIME(6) NULL,
    external_id       VARCHAR(128) NULL,
    created_at        DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at        DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    deleted_at        DATETIME(6) NULL,
    -- A VMID belongs to at most one live server per host, and rows kept for
    -- history (deleted, rolled back) give theirs back.  This unique key is
    -- how two workers reserving the same nextid find out.
    live_vmid         INT UNSIGNED AS (IF(status IN ('deleted', 'rolled_back', 'failed'), NULL, vmid)) PERSISTENT,
    PRIMARY KEY (id),
    UNIQUE KEY uq_servers_host_vmid (proxmox_host_id, live_vmid),
    KEY ix_servers_owner (owner_id, id),
    KEY ix_servers_status_expire (status, expire_at),
    KEY ix_servers_expire (expire_at),
    KEY ix_servers_plan (plan),
    KEY ix_servers_location (location),
    CONSTRAINT fk_servers_owner FOREIGN KEY (owner_id) REFERENCES users (id),
    CONSTRAINT fk_servers_plan FOREIGN KEY (plan) REFERENCES plans (name),
    CONSTRAINT fk_servers_os FOREIGN KEY (os_template) REFERENCES os_templates (name),
    CONSTRAINT ck_servers_id CHECK (id REGEXP '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'),
    CONSTRAINT ck_servers_status CHECK (status IN ('provisioning', 'active', 'suspended', 'expired',
                                                   'deleting', 'deleted', 'failed', 'rolled_back', 'lost')),
    CONSTRAINT ck_servers_power CHECK (power_state IN ('running', 'stopped', 'paused', 'unknown')),
    CONSTRAINT ck_servers_vmid CHECK (vmid IS NULL OR vmid BETWEEN 100 AND 999999999),
    CONSTRAINT ck_servers_vcpu CHECK (vcpu BETWEEN 1 AND 1024),
    CONSTRAINT ck_servers_memory CHECK (memory_mb BETWEEN 256 AND 16777216),
    CONSTRAINT ck_servers_disk CHECK (disk_gb BETWEEN 1 AND 262144),
    CONSTRAINT ck_servers_expire_days CHECK (expire_in_days BETWEEN 1 AND 36500),
    CONSTRAINT ck_servers_node CHECK (proxmox_node IS NULL OR proxmox_host_id IS NOT NULL),
    CONSTRAINT ck_servers_vmid_host CHECK (vmid IS NULL OR proxmox_host_id IS NOT NULL)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Upgrade bundles applied to a server, with the price at the time.
CREATE TABLE IF NOT EXISTS server_upgrades (
    id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    server_id         CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    upgrade           VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    price             DECIMAL(14,2) NULL,
    currency          CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    applied_at        DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    KEY ix_server_upgrades_server (server_id, id),
    CONSTRAINT fk_server_upgrades_server FOREIGN KEY (server_id) REFERENCES servers (id),
    CONSTRAINT fk_server_upgrades_upgrade FOREIGN KEY (upgrade) REFERENCES upgrades (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Work on PVE, run step by step by vibehost-worker.  A worker holds a job
-- by its lease (lease_owner until lease_until) and renews it while it
-- works, and a job whose lease ran out is claimed again and resumes from its
-- recorded step.
CREATE TABLE IF NOT EXISTS jobs (
    id                CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    kind              VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    server_id         CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    state             VARCHAR(10) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'queued',
    step              VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'new',
    -- Failed tries of the current step (reset when a step completes).
    attempts          INT UNSIGNED NOT NULL DEFAULT 0,
    run_after         DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    lease_owner       VARCHAR(128) NULL,
    lease_until       DATETIME(6) NULL,
    upid              VARCHAR(255) NULL,
    -- Step inputs that must survive a crash (e.g. the password *hash*),
    -- never a plain password or a secret.
    payload           TEXT NULL,
    error             VARCHAR(1000) NULL,
    actor             VARCHAR(128) NULL,
    request_id        VARCHAR(64) NULL,
    created_at        DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at        DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    finished_at       DATETIME(6) NULL,
    -- One unfinished job per server: the database refuses a second.  Set
    -- by the application (MariaDB allows no generated column over a
    -- foreign key column), kept honest by ck_jobs_busy.
    busy_server_id    CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_jobs_busy_server (busy_server_id),
    KEY ix_jobs_due (state, run_after),
    KEY ix_jobs_server (server_id, id),
    KEY ix_jobs_lease (state, lease_until),
    CONSTRAINT fk_jobs_server FOREIGN KEY (server_id) REFERENCES servers (id),
    CONSTRAINT ck_jobs_kind CHECK (kind IN ('provision', 'start', 'stop', 'shutdown', 'reboot', 'reset',
                                            'suspend', 'resume', 'upgrade', 'rebuild', 'delete')),
    CONSTRAINT ck_jobs_state CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
    CONSTRAINT ck_jobs_lease CHECK ((lease_owner IS NULL) = (lease_until IS NULL)),
    CONSTRAINT ck_jobs_busy CHECK ((state IN ('queued', 'running')) = (busy_server_id IS NOT NULL)
                                   AND (busy_server_id IS NULL OR busy_server_id = server_id)),
    CONSTRAINT ck_jobs_finished CHECK ((state IN ('succeeded', 'failed')) = (finished_at IS NOT NULL))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS server_events (
    id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    server_id         CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    job_id            CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL,
    at                DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    step              VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
    level             VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    message           VARCHAR(1000) NOT NULL,
    upid              VARCHAR(255) NULL,
    actor             VARCHAR(128) NULL,
    request_id        VARCHAR(64) NULL,
    PRIMARY KEY (id),
    KEY ix_server_events_server (server_id, id),
    CONSTRAINT fk_server_events_server FOREIGN KEY (server_id) REFERENCES servers (id),
    CONSTRAINT fk_server_events_job FOREIGN KEY (job_id) REFERENCES jobs (id),
    CONSTRAINT ck_server_events_level CHECK (level IN ('info', 'warning', 'error'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- POST /servers with an Idempotency-Key: the first request's answer
-- (without vm_password, which is never stored) is replayed for the same key
-- and body, while another body under the same key is a 409.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    user_id           CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    idem_key          VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    request_hash      CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    server_id         CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    job_id            CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_at        DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (user_id, idem_key),
    KEY ix_idempotency_created (created_at),
    CONSTRAINT fk_idempotency_user FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT fk_idempotency_server FOREIGN KEY (server_id) REFERENCES servers (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE ip_addresses
    ADD CONSTRAINT fk_ip_addresses_server FOREIGN KEY (server_id) REFERENCES servers (id);
ALTER TABLE notifications
    ADD CONSTRAINT fk_notifications_server FOREIGN KEY (server_id) REFERENCES servers (id);
