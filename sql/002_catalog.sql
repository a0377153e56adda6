-- 002: the catalog an admin configures before anything can be sold:
-- Proxmox hosts, plans, upgrade bundles, OS templates, IP pools.
-- Names and host ids are admin-chosen slugs (they appear in URLs).

CREATE TABLE IF NOT EXISTS proxmox_hosts (
    id               VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    api_url          VARCHAR(255) NOT NULL,
    auth             ENUM('password','token') NOT NULL,
    username         VARCHAR(128) NULL,
    realm            VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
    token_id         VARCHAR(128) NULL,
    -- AES-256-GCM: "v1:<key id>:" + base64(nonce | ciphertext | tag); see lib/secret.c.
    secret_enc       VARCHAR(1024) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    node             VARCHAR(64) NULL,
    location         VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    tls_fingerprint  CHAR(95) CHARACTER SET ascii COLLATE ascii_bin NULL,
    ca_cert          TEXT NULL,
    created_at       DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at       DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    KEY ix_proxmox_hosts_location (location),
    CONSTRAINT ck_hosts_auth CHECK ((auth = 'password' AND username IS NOT NULL AND token_id IS NULL)
                                 OR (auth = 'token' AND token_id IS NOT NULL AND username IS NULL))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS plans (
    name                VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    vcpu                INT UNSIGNED NOT NULL,
    memory_mb           INT UNSIGNED NOT NULL,
    disk_gb             INT UNSIGNED NOT NULL,
    gpu_count           INT UNSIGNED NOT NULL DEFAULT 0,
    clone_mode          ENUM('full','linked') NOT NULL DEFAULT 'full',
    price               DECIMAL(14,2) NOT NULL,
    currency            CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'KRW',
    default_expire_days INT UNSIGNED NOT NULL,
    location            VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    proxmox_host_id     VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
    proxmox_node        VARCHAR(64) NULL,
    template_vmid       INT UNSIGNED NULL,
    disk_storage        VARCHAR(64) NULL,
    description         VARCHAR(1000) NULL,
    -- A plan that servers use is retired instead of deleted: hidden from new orders.
    retired_at          DATETIME(6) NULL,
    created_at          DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at          DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (name),
    KEY ix_plans_location (location),
    CONSTRAINT fk_plans_host FOREIGN KEY (proxmox_host_id) REFERENCES proxmox_hosts (id),
    CONSTRAINT ck_plans_vcpu CHECK (vcpu BETWEEN 1 AND 512),
    CONSTRAINT ck_plans_memory CHECK (memory_mb BETWEEN 256 AND 8388608),
    CONSTRAINT ck_plans_disk CHECK (disk_gb BETWEEN 1 AND 131072),
    CONSTRAINT ck_plans_gpu CHECK (gpu_count <= 16),
    CONSTRAINT ck_plans_price CHECK (price >= 0),
    CONSTRAINT ck_plans_expire CHECK (default_expire_days BETWEEN 1 AND 3650),
    CONSTRAINT ck_plans_vmid CHECK (template_vmid IS NULL OR template_vmid BETWEEN 100 AND 999999999),
    CONSTRAINT ck_plans_node CHECK (proxmox_node IS NULL OR proxmox_host_id IS NOT NULL)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS upgrades (
    name           VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    add_vcpu       INT UNSIGNED NOT NULL DEFAULT 0,
    add_memory_mb  INT UNSIGNED NOT NULL DEFAULT 0,
    add_disk_gb    INT UNSIGNED NOT NULL DEFAULT 0,
    price          DECIMAL(14,2) NULL,
    currency       CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'KRW',
    description    VARCHAR(1000) NULL,
    created_at     DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at     DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (name),
    CONSTRAINT ck_upgrades_some CHECK (add_vcpu + add_memory_mb + add_disk_gb > 0),
    CONSTRAINT ck_upgrades_vcpu CHECK (add_vcpu <= 256),
    CONSTRAINT ck_upgrades_memory CHECK (add_memory_mb <= 4194304),
    CONSTRAINT ck_upgrades_disk CHECK (add_disk_gb <= 65536),
    CONSTRAINT ck_upgrades_price CHECK (price IS NULL OR price >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS os_templates (
    name             VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    os_type          VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'l26',
    default_user     VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    description      VARCHAR(1000) NULL,
    created_at       DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at       DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The template VM of an OS template on each host that offers it.
CREATE TABLE IF NOT EXISTS os_template_vmids (
    os_template      VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    proxmox_host_id  VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    template_vmid    INT UNSIGNED NOT NULL,
    PRIMARY KEY (os_template, proxmox_host_id),
    CONSTRAINT fk_osvmid_template FOREIGN KEY (os_template) REFERENCES os_templates (name) ON DELETE CASCADE,
    CONSTRAINT fk_osvmid_host FOREIGN KEY (proxmox_host_id) REFERENCES proxmox_hosts (id),
    CONSTRAINT ck_osvmid_vmid CHECK (template_vmid BETWEEN 100 AND 999999999)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- IPv4 pools per location.  Addresses are stored as integers so ranges and
-- allocation are arithmetic; the text forms are for people.
CREATE TABLE IF NOT EXISTS ip_pools (
    id               CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    name             VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    location         VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    network          INT UNSIGNED NOT NULL,
    prefix_len       TINYINT UNSIGNED NOT NULL,
    gateway          INT UNSIGNED NOT NULL,
    range_start      INT UNSIGNED NOT NULL,
    range_end        INT UNSIGNED NOT NULL,
    dns              VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NULL,
    ipv6_prefix      VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
    created_at       DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at       DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY uq_ip_pools_name (name),
    KEY ix_ip_pools_location (location),
    CONSTRAINT ck_pools_prefix CHECK (prefix_len BETWEEN 8 AND 30),
    CONSTRAINT ck_pools_range CHECK (range_start <= range_end)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per address ever handed out.  An address is allocated to a
-- server, and after release it is quarantined until quarantine_until so a
-- stale DNS record or ARP cache never sends a new customer's traffic to
-- the old one; only then can it be allocated again.
CREATE TABLE IF NOT EXISTS ip_addresses (
    address          INT UNSIGNED NOT NULL,
    pool_id          CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    state            ENUM('allocated','quarantined') NOT NULL,
    -- servers does not exist yet; the lifecycle migration adds the FK.
    server_id        CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL,
    allocated_at     DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    released_at      DATETIME(6) NULL,
    quarantine_until DATETIME(6) NULL,
    PRIMARY KEY (address),
    KEY ix_ip_addresses_pool (pool_id, state),
    UNIQUE KEY uq_ip_addresses_server (server_id),
    CONSTRAINT fk_ip_addresses_pool FOREIGN KEY (pool_id) REFERENCES ip_pools (id),
    CONSTRAINT ck_ip_state CHECK ((state = 'allocated' AND server_id IS NOT NULL)
                               OR (state = 'quarantined' AND server_id IS NULL AND quarantine_until IS NOT NULL))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
