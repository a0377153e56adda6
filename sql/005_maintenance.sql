-- 005: the nightly maintenance pass (vibehost-expiry): one row per pass
-- with its summary, and what reconciliation found on each Proxmox host, for
-- GET /admin/reconcile.

CREATE TABLE IF NOT EXISTS maintenance_runs (
    id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    -- Who ran it ("host:pid") and the clock it ran by (--now, else the
    -- time it started).
    runner            VARCHAR(160) NOT NULL,
    clock_at          DATETIME(6) NOT NULL,
    started_at        DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    finished_at       DATETIME(6) NULL,
    -- 1 when every server and host was handled, 0 when any was not, NULL
    -- while it runs (or when the pass died).
    ok                TINYINT(1) NULL,
    -- The one-line JSON summary the program prints.
    summary           TEXT NULL,
    PRIMARY KEY (id),
    KEY ix_maintenance_runs_finished (finished_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Findings of reconciliation, kept per pass.
--   orphan            a VM tagged as vibehost's that no live server owns
--   orphan_destroyed  the same, destroyed (RECONCILE_DESTROY_ORPHANS=1)
--   lost              a server whose VM is gone (status set to lost)
--   drift             PVE's power state or node differs from the row's
--   host_skipped      a host, or a node of it, could not be listed
CREATE TABLE IF NOT EXISTS reconcile_findings (
    id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    run_id            BIGINT UNSIGNED NOT NULL,
    host_id           VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    node              VARCHAR(64) NULL,
    vmid              INT UNSIGNED NULL,
    server_id         CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL,
    kind              VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    detail            VARCHAR(1000) NOT NULL,
    at                DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    KEY ix_reconcile_findings_run (run_id, id),
    CONSTRAINT fk_reconcile_findings_run FOREIGN KEY (run_id) REFERENCES maintenance_runs (id),
    CONSTRAINT ck_reconcile_findings_kind CHECK (kind IN ('orphan', 'orphan_destroyed', 'lost',
                                                          'drift', 'host_skipped'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A pass tags its stop and delete jobs with request_id "expiry:<run>:<round>"
-- and finds them again by that tag.
ALTER TABLE jobs ADD KEY ix_jobs_request (request_id);
