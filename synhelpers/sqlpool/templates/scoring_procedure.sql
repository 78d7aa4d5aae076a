-- Create a stored procedure for storing the scoring script.
CREATE PROCEDURE {procedure}
AS
BEGIN
-- Select input scoring data and assign aliases.
{input_data}
-- Using T-SQL Predict command to score machine learning models.
{predict}
END
GO
-- Execute the above stored procedure.
EXEC {procedure}
