module histtest

go 1.19
