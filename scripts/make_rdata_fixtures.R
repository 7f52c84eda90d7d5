# Writes small .rds/.rda fixtures for RSerializationTests (Tests/EndToEndDataTests/Fixtures/RData).
out <- "Tests/EndToEndDataTests/Fixtures/RData"
e <- new.env(); assign("k", 42L, envir = e)
x <- list(ints = c(1L, NA, -3L), dbl = c(1.5, NA, NaN, Inf, -Inf), chr = c("a", NA, "\u00e9t\u00e9"),
          fac = factor(c("lo", "hi", NA, "lo"), levels = c("lo", "hi")), seq = 1:10,
          df = data.frame(a = 1:3, b = c("x", "y", "z")),
          tib = structure(list(p = c(2.5, 3.5)), class = c("tbl_df", "tbl", "data.frame"), row.names = c(NA, -2L)),
          nested = list(list(1L, "two"), attr = structure(1:2, note = "hi")), env1 = e, env2 = e)
saveRDS(x, file.path(out, "objects_v3.rds"), version = 3)
saveRDS(x, file.path(out, "objects_v2.rds"), version = 2)
a <- 1:3; b <- "text"
save(a, b, file = file.path(out, "pair.rda"), version = 2)
