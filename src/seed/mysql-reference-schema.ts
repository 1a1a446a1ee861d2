import type { Pool } from 'mysql2/promise';

/**
 * The MySQL tables of the reference data model (../shared/spec/data-model.md), portable to
 * MySQL 8 and MariaDB 10.11: InnoDB, utf8mb4, times in DATETIME(3) UTC.
 *
 * Indexes are the ones the worker needs and no more (every extra index slows each purge):
 * the time column of each age-purged table, `app_id` where a subject is purged by it, and
 * the subject source's `(status, terminated_at)`. The time columns allow NULL like the spec's
 * generic model: such rows are never purged and are reported as unusable.
 */
export const REFERENCE_MYSQL_TABLES: string[] = [
  `CREATE TABLE IF NOT EXISTS im_account (
    app_id BIGINT UNSIGNED NOT NULL,
    uin BIGINT UNSIGNED NOT NULL,
    status ENUM('active', 'terminated') NOT NULL DEFAULT 'active',
    terminated_at DATETIME(3) NULL,
    legal_hold TINYINT(1) NOT NULL DEFAULT 0,
    config_purged_at DATETIME(3) NULL,
    PRIMARY KEY (app_id),
    KEY idx_im_account_status_terminated (status, terminated_at)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,

  `CREATE TABLE IF NOT EXISTS im_request_log (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    app_id BIGINT UNSIGNED NOT NULL,
    client_ip VARBINARY(16) NOT NULL,
    interface_name VARCHAR(128) NOT NULL,
    requested_at DATETIME(3) NULL,
    PRIMARY KEY (id),
    KEY idx_im_request_log_requested_at (requested_at)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,

  `CREATE TABLE IF NOT EXISTS im_exception_log (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    app_id BIGINT UNSIGNED NOT NULL,
    interface_name VARCHAR(128) NOT NULL,
    cause TEXT NULL,
    occurred_at DATETIME(3) NULL,
    PRIMARY KEY (id),
    KEY idx_im_exception_log_occurred_at (occurred_at)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,

  `CREATE TABLE IF NOT EXISTS im_monitoring_stat (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    app_id BIGINT UNSIGNED NOT NULL,
    interface_name VARCHAR(128) NOT NULL,
    success_rate DECIMAL(5,4) NOT NULL,
    avg_delay_ms INT UNSIGNED NOT NULL,
    window_start DATETIME(3) NULL,
    PRIMARY KEY (id),
    KEY idx_im_monitoring_stat_window_start (window_start)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,

  `CREATE TABLE IF NOT EXISTS im_app_config (
    app_id BIGINT UNSIGNED NOT NULL,
    app_name VARCHAR(128) NOT NULL,
    callback_enabled TINYINT(1) NOT NULL DEFAULT 0,
    callback_url VARCHAR(512) NULL,
    package_name VARCHAR(255) NULL,
    admin_account VARCHAR(128) NULL,
    app_key VARCHAR(255) NULL,
    app_type VARCHAR(32) NULL,
    app_status VARCHAR(32) NULL,
    check_friend TINYINT(1) NOT NULL DEFAULT 0,
    check_blacklist TINYINT(1) NOT NULL DEFAULT 0,
    multi_login_limit INT UNSIGNED NULL,
    tags TEXT NULL,
    custom_fields TEXT NULL,
    message_settings TEXT NULL,
    data_center VARCHAR(32) NULL,
    created_at DATETIME(3) NOT NULL,
    updated_at DATETIME(3) NOT NULL,
    PRIMARY KEY (app_id)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,

  `CREATE TABLE IF NOT EXISTS im_push_certificate (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    app_id BIGINT UNSIGNED NOT NULL,
    platform VARCHAR(32) NOT NULL,
    package_name VARCHAR(255) NULL,
    push_app_id VARCHAR(255) NULL,
    app_secret VARCHAR(255) NULL,
    PRIMARY KEY (id),
    KEY idx_im_push_certificate_app_id (app_id)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
];

/** Creates the reference tables that do not exist yet (one statement each; existing tables are left alone). */
export async function createReferenceTables(pool: Pick<Pool, 'query'>): Promise<void> {
  for (const statement of REFERENCE_MYSQL_TABLES) await pool.query(statement);
}
