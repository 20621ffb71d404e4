module goodtake.example/seed

go 1.19
