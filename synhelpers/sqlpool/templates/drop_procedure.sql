-- Drop the stored procedure if it exists, so that the script can be run again.
IF OBJECT_ID({procedure_id}, 'P') IS NOT NULL
DROP PROCEDURE {procedure};
