package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Retain drops what is older than MaxAge and, while the store is larger
// than MaxBytes, the oldest checkpoint interval, keeping at least the
// newest checkpoint. Data goes a checkpoint interval at a time: what is
// kept always starts at a checkpoint, so every moment kept can be
// rebuilt. The space freed goes back to the file system.
func (st *Store) Retain(ctx context.Context) error {
	cutoff := key(st.opt.Now().Add(-st.opt.MaxAge))
	dropped := false
	// By age: keep from the newest checkpoint at or before the cutoff.
	var keep sql.NullInt64
	if err := st.db.QueryRowContext(ctx, "SELECT max(t) FROM checkpoints WHERE t <= ?", cutoff).Scan(&keep); err != nil {
		return fmt.Errorf("history: retention: %w", err)
	}
	if keep.Valid {
		n, err := st.dropBefore(ctx, keep.Int64)
		if err != nil {
			return err
		}
		dropped = dropped || n
	}
	for {
		size, err := st.Size(ctx)
		if err != nil {
			return err
		}
		if size <= st.opt.MaxBytes {
			break
		}
		var next int64
		err = st.db.QueryRowContext(ctx, "SELECT t FROM checkpoints ORDER BY t LIMIT 1 OFFSET 1").Scan(&next)
		if errors.Is(err, sql.ErrNoRows) {
			break // one checkpoint left: the next one written lets it go
		}
		if err != nil {
			return fmt.Errorf("history: retention: %w", err)
		}
		n, err := st.dropBefore(ctx, next)
		if err != nil {
			return err
		}
		if !n {
			break
		}
		dropped = true
		if _, err := st.db.ExecContext(ctx, "PRAGMA incremental_vacuum"); err != nil {
			return fmt.Errorf("history: retention: vacuum: %w", err)
		}
	}
	if dropped {
		if _, err := st.db.ExecContext(ctx, "PRAGMA incremental_vacuum"); err != nil {
			return fmt.Errorf("history: retention: vacuum: %w", err)
		}
		if _, err := st.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			return fmt.Errorf("history: retention: wal checkpoint: %w", err)
		}
	}
	return nil
}

// dropBefore deletes the checkpoints and changes before k, and the
// lifetimes that ended before it.
func (st *Store) dropBefore(ctx context.Context, k int64) (bool, error) {
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("history: retention: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var n int64
	for _, q := range []string{"DELETE FROM checkpoints WHERE t < ?", "DELETE FROM changes WHERE t < ?", "DELETE FROM lifetimes WHERE ended < ?"} {
		res, err := tx.ExecContext(ctx, q, k)
		if err != nil {
			return false, fmt.Errorf("history: retention: %w", err)
		}
		c, _ := res.RowsAffected()
		n += c
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("history: retention: %w", err)
	}
	if n > 0 {
		st.cache.drop()
	}
	return n > 0, nil
}
