-- The legal bases of each contract version and their periods of application, registered from
-- the contract by warehouse/db.py (like code_list): the tracker knows which years are due.
CREATE TABLE legal_basis (
    code             VARCHAR NOT NULL,
    valid_from       DATE NOT NULL,
    valid_to         DATE NOT NULL,
    contract_version VARCHAR NOT NULL,
    PRIMARY KEY (code, contract_version)
);
COMMENT ON TABLE legal_basis IS 'Legal bases and their periods of application, registered from the contract, per contract version.';

-- Every metadata field the submission declared (the contract's submission table, as JSON): the
-- structured national definitions of issue 17 and later fields need no new column.
ALTER TABLE submission ADD COLUMN metadata JSON;
COMMENT ON COLUMN submission.metadata IS 'Every metadata field of the submission as declared (JSON object, contract field names).';
