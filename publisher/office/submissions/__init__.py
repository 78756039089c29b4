"""信息报送: submissions taken in from departments' Word files (`intake`), the office's
decisions on them, adoptions at every level (`adoption`), and history imported from
spreadsheets (`history_import`). The ledger keeps the records (`publisher.ledger.submissions`);
the reports count them (`publisher.office.reports`)."""
