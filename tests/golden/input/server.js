const fs = require("fs");
const app = require("express")();

app.get("/", (req, res) => {
  res.send(fs.readFileSync("a.txt")); // "héllo"
});
