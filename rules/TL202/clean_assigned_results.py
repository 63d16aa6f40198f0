"""Every .to()/.cpu() result is assigned, returned or passed on."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def to_double(*tensors):
    return [t.to(torch.float64) for t in tensors]


if __name__ == "__main__":
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = nn.Linear(3, 1).double().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    loader = DataLoader(TensorDataset(torch.randn(16, 3), torch.randn(16, 1)), batch_size=4)
    history = []
    for x, y in loader:
        x = x.to(torch.float64)
        x, y = x.to(device), y.to(device, dtype=torch.float64)
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        history.append(loss.detach().cpu())
    weights, bias = to_double(model.weight.detach().cpu(), model.bias.detach().cpu())
    print(torch.stack(history).mean().item(), weights.dtype, bias.dtype)
