-- Write the scores into a results table: build it aside under a name of this run, then swap it in
-- with two renames (the previous results stay untouched until the new ones are complete). Each
-- step runs only if the one before it did.
CREATE TABLE {staging}
WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)
AS
{input_data}
{predict}
GO
IF OBJECT_ID({results_id}, 'U') IS NOT NULL AND OBJECT_ID({staging_id}, 'U') IS NOT NULL
RENAME OBJECT {results} TO {retired_name};
GO
IF OBJECT_ID({results_id}, 'U') IS NULL AND OBJECT_ID({staging_id}, 'U') IS NOT NULL
RENAME OBJECT {staging} TO {results_name};
GO
IF OBJECT_ID({retired_id}, 'U') IS NOT NULL AND OBJECT_ID({staging_id}, 'U') IS NULL
AND OBJECT_ID({results_id}, 'U') IS NOT NULL
DROP TABLE {retired};
