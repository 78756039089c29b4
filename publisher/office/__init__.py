"""Office: what the office reads back — status, reports, inspection, dashboard, export."""
