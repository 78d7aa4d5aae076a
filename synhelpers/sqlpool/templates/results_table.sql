-- Write the scores into a results table: build it aside, then swap it in with two renames (the
-- previous results stay untouched until the new ones are complete). First, put back the previous
-- results if an interrupted run left them aside without a results table.
IF OBJECT_ID({results_id}, 'U') IS NULL AND OBJECT_ID({retired_id}, 'U') IS NOT NULL
RENAME OBJECT {retired} TO {results_name};
GO
IF OBJECT_ID({staging_id}, 'U') IS NOT NULL
DROP TABLE {staging};
GO
CREATE TABLE {staging}
WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)
AS
{input_data}
{predict}
GO
IF OBJECT_ID({retired_id}, 'U') IS NOT NULL
DROP TABLE {retired};
GO
IF OBJECT_ID({results_id}, 'U') IS NOT NULL
RENAME OBJECT {results} TO {retired_name};
GO
RENAME OBJECT {staging} TO {results_name};
GO
IF OBJECT_ID({retired_id}, 'U') IS NOT NULL
DROP TABLE {retired};
