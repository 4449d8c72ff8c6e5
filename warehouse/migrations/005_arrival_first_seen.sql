-- A submission's arrival is when the system first saw its content (recorded when it is
-- archived, or a receipt the operator recorded outside the landing folder), never the file's
-- modification time, which the sender controls.
COMMENT ON COLUMN submission.received_at IS 'When the system first saw the file (at archiving, or its recorded receipt); the basis of late and of as_of.';
COMMENT ON COLUMN raw_file.first_received_at IS 'When the system first saw this content (at archiving, or its recorded receipt).';
